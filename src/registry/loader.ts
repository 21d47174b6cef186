/**
 * Loads one plugin folder (manifest.json + module) into a running, described provider. Any failure is
 * a PluginLoadError with a reason a plugin author can act on; the registry logs it and carries on.
 */
import { join, resolve, sep } from "node:path";
import { loggerAsConsole, type Logger } from "../log.ts";
import { pluginLimitsSchema, type PluginLimits } from "../sandbox/limits.ts";
import { ProcessRuntime } from "../sandbox/process/runtime.ts";
import { InProcessRuntime, type PluginRuntime, type SandboxObserver } from "../sandbox/runtime.ts";
import { detectAbi, PluginProvider, type TenantSettingsLookup } from "./abi/provider.ts";
import { LOCAL_TARGET, userHostFunctions, type HostBridge } from "./abi/host-functions.ts";
import { capabilityHostOps, type CapabilityResources } from "../capabilities/index.ts";
import { describeManifestError, manifestSchema, type PluginManifest } from "./manifest.ts";
import type { PluginOffer } from "./types.ts";

export const MANIFEST_FILE = "manifest.json";

export class PluginLoadError extends Error {
  override name = "PluginLoadError";
}

export interface LoadedPlugin {
  dir: string;
  manifest: PluginManifest;
  limits: PluginLimits;
  provider: PluginProvider;
  offer: PluginOffer;
  /** Identifies the loaded bytes + manifest, so an unchanged folder is not reloaded. */
  fingerprint: string;
}

export interface LoaderContext {
  defaults: PluginLimits;
  log: Logger;
  observer?: SandboxObserver;
  notifier: Pick<HostBridge, "notifyListChanged" | "notifyResourceUpdated">;
  /** The operator's per-tenant plugin values (config, secrets) and limits (the `tenants` config section). */
  tenants?: TenantSettingsLookup;
  /** Gateway-side resources of the capabilities plugins may be granted (the kv store...). */
  capabilities?: CapabilityResources;
}

/** Reads the manifest and module bytes; cheap, so the watcher can fingerprint a folder before loading it. */
export async function readPluginFolder(dir: string): Promise<{ manifest: PluginManifest; bytes: Uint8Array; fingerprint: string }> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const file = Bun.file(manifestPath);
  if (!(await file.exists())) throw new PluginLoadError(`${manifestPath}: missing`);
  let raw: unknown;
  const text = await file.text();
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PluginLoadError(`${manifestPath}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new PluginLoadError(`${manifestPath}: ${describeManifestError(parsed.error)}`);
  const manifest = parsed.data;
  const wasmPath = resolve(dir, manifest.wasm);
  if (!wasmPath.startsWith(resolve(dir) + sep)) throw new PluginLoadError(`${manifestPath}: "wasm" must stay inside the plugin folder`);
  const wasm = Bun.file(wasmPath);
  if (!(await wasm.exists())) throw new PluginLoadError(`${manifestPath}: module ${manifest.wasm} not found`);
  const bytes = await wasm.bytes();
  const fingerprint = `${Bun.hash(text).toString(16)}:${Bun.hash(bytes).toString(16)}`;
  return { manifest, bytes, fingerprint };
}

export async function loadPlugin(dir: string, ctx: LoaderContext): Promise<LoadedPlugin> {
  const { manifest, bytes, fingerprint } = await readPluginFolder(dir);
  const limits = pluginLimitsSchema.parse({ ...ctx.defaults, ...manifest.limits });
  const hostOps = await capabilityHostOps(manifest.name, manifest.grants, ctx.capabilities ?? {}, ctx.log.child({ plugin: manifest.name })).catch((err) => {
    throw new PluginLoadError(`${manifest.name}: ${(err as Error).message}`);
  });
  let runtime: PluginRuntime;
  try {
    const options = {
      name: manifest.name,
      limits,
      config: manifest.config,
      allowedHosts: manifest.allowedHosts,
      hostFunctions: (imports: readonly WebAssembly.ModuleImportDescriptor[]) => userHostFunctions(imports, LOCAL_TARGET, hostOps),
      logger: loggerAsConsole(ctx.log.child({ plugin: manifest.name })),
      observer: ctx.observer,
    };
    // Untrusted plugins run in child processes that can be SIGKILLed (src/sandbox/process); their capability
    // calls are relayed back to hostOps, which run here as they do in-process.
    runtime =
      manifest.isolation === "process"
        ? await ProcessRuntime.load(bytes, { ...options, pluginHostOps: hostOps })
        : await InProcessRuntime.load(bytes, options);
  } catch (err) {
    throw new PluginLoadError(`${manifest.name}: the module could not be loaded: ${(err as Error).message}`);
  }
  try {
    const abi = manifest.abi ?? detectAbi(runtime.exports);
    if (!abi) {
      throw new PluginLoadError(
        `${manifest.name}: exports neither the mcp.run servlet ABI (describe + call) nor the hyper-mcp ABI (list_tools, call_tool); it exports: ${runtime.exports.join(", ") || "nothing"}`,
      );
    }
    const provider = new PluginProvider(manifest.name, manifest.risk, manifest.tags, abi, runtime, ctx.notifier, ctx.tenants);
    const offer = await provider.describe().catch((err) => {
      throw new PluginLoadError(`${manifest.name}: listing its tools failed: ${(err as Error).message}`);
    });
    return { dir, manifest, limits, provider, offer, fingerprint };
  } catch (err) {
    runtime.close();
    throw err;
  }
}
