/** For capability unit tests: run a host op as a plugin call from a given tenant would, without a sandbox. */
import type { HostBridge, HostOp } from "../registry/abi/host-functions.ts";
import type { RequestScope } from "../registry/types.ts";
import { createLogger } from "../log.ts";

export const SILENT_LOG = createLogger("silent");

/** A bridge whose request scope carries only what capability ops read: the principal's tenant. */
export function bridgeFor(tenant: string | undefined): HostBridge {
  const scope = (tenant === undefined ? {} : { principal: { tenant } }) as unknown as RequestScope;
  return { pluginName: "test", scope, notifyListChanged() {}, notifyResourceUpdated() {} };
}

export function runOp(ops: Record<string, HostOp>, fn: string, arg: Record<string, unknown>, tenant: string | undefined = "tenant-a"): Promise<any> {
  const op = ops[fn];
  if (!op) throw new Error(`no host op ${fn}`);
  return Promise.resolve(op.run(bridgeFor(tenant), arg, (work) => work));
}
