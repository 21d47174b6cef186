/**
 * What the instrumentation adds to a module, decided once from the original
 * counts: the new types, the refuel import, the fuel global, and how the host
 * reaches that global.
 *
 * Two ways to give the host the counter:
 *  - "global": export the mutable global itself (`__mcp_fuel`, a WebAssembly.Global);
 *  - "functions": keep the global private and export `__mcp_fuel_get` / `__mcp_fuel_set`.
 * They differ in speed, not in meaning: JSC (Bun) stores an exported mutable
 * global behind an extra indirection, and the check in a tight loop then costs
 * ~1.5x; a private global costs next to nothing (see README.md, measurements).
 */
import { encodeU32 } from "./writer.ts";

export type FuelExport = "global" | "functions";

export interface FuelNames {
  module: string;
  name: string;
  exportName: string;
}

export interface FuelPlan {
  names: FuelNames;
  /** Type index of (func (result i64)), the refuel import's type. */
  refuelType: number;
  /** Function index of the refuel import (= number of original function imports). */
  refuelFunc: number;
  fuelGlobal: number;
  /** Type entries to append to the type section. */
  newTypes: Uint8Array;
  newTypeCount: number;
  /** Defined functions to append: their type indices and bodies (size-prefixed). */
  newFuncTypes: number[];
  newBodies: Uint8Array[];
  /** Exports to append. */
  newExports: { name: string; kind: number; index: number }[];
}

export interface OriginalCounts {
  types: number;
  funcImports: number;
  funcs: number; // imported + defined
  globals: number; // imported + defined
}

export function planFuel(counts: OriginalCounts, names: FuelNames, mode: FuelExport): FuelPlan {
  const fuelGlobal = counts.globals;
  const plan: FuelPlan = {
    names,
    refuelType: counts.types,
    refuelFunc: counts.funcImports,
    fuelGlobal,
    newTypes: Uint8Array.of(0x60, 0x00, 0x01, 0x7e), // (func (result i64))
    newTypeCount: 1,
    newFuncTypes: [],
    newBodies: [],
    newExports: [],
  };
  if (mode === "global") {
    plan.newExports.push({ name: names.exportName, kind: 0x03, index: fuelGlobal });
    return plan;
  }
  const g = [...encodeU32(fuelGlobal)];
  const sized = (body: number[]) => Uint8Array.from([...encodeU32(body.length), ...body]);
  plan.newTypes = Uint8Array.of(0x60, 0x00, 0x01, 0x7e, 0x60, 0x01, 0x7e, 0x00); // + (func (param i64))
  plan.newTypeCount = 2;
  plan.newFuncTypes = [counts.types, counts.types + 1];
  plan.newBodies = [
    sized([0x00, 0x23, ...g, 0x0b]), // no locals; global.get $fuel; end
    sized([0x00, 0x20, 0x00, 0x24, ...g, 0x0b]), // no locals; local.get 0; global.set $fuel; end
  ];
  // With the refuel import in front of them, the defined functions end at index counts.funcs:
  // the accessors come right after.
  plan.newExports.push(
    { name: `${names.exportName}_get`, kind: 0x00, index: counts.funcs + 1 },
    { name: `${names.exportName}_set`, kind: 0x00, index: counts.funcs + 2 },
  );
  return plan;
}
