/** Shared by this folder's tests: temporary policy folders and calls. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallSource, Principal, Target } from "../types.ts";

export function policyDir(files: Record<string, string>): { dir: string; write(name: string, text: string): void; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "mcp-policies-"));
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  for (const [name, text] of Object.entries(files)) write(name, text);
  return { dir, write, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

export const principal = (over: Partial<Principal> = {}): Principal => ({ id: "key:ak_1", tenant: "acme", roles: [], method: "api_key", attributes: {}, ...over });
export const tool = (over: Partial<Target> = {}): Target => ({ kind: "tool", name: "echo", plugin: "echo", risk: "LOW", tags: [], ...over });
export const LOCAL: CallSource = { transport: "http", address: "127.0.0.1" };
/** Monday 2025-01-06 10:00 UTC. */
export const MONDAY_10_UTC = Date.parse("2025-01-06T10:00:00Z");
