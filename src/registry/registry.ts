/**
 * The live set of plugins from the plugins folder, kept in step with the files.
 *
 * Every (re)scan builds the new state beside the old and swaps it in: a plugin that changed is loaded
 * first and replaces the old one only if it loads; if it does not, the old version keeps serving and the
 * reason is logged and kept in `status()`. Calls already running finish on the instance they started on
 * (the old pool closes its instances as they come back).
 */
import { watch, type FSWatcher } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { buildCatalog, EMPTY_CATALOG } from "./catalog.ts";
import { loadPlugin, readPluginFolder, type LoadedPlugin, type LoaderContext } from "./loader.ts";
import type { CatalogView } from "./types.ts";

export interface PluginStatus {
  folder: string;
  name?: string;
  version?: string;
  state: "loaded" | "failed" | "stale"; // stale = a newer version failed; the previous one still serves
  error?: string;
  tools?: number;
}

export type CatalogChange = { kinds: Set<"tools" | "resources" | "prompts">; catalog: CatalogView };

const RESCAN_DEBOUNCE_MS = 100;

export class PluginRegistry {
  private loaded = new Map<string, LoadedPlugin>(); // by folder name
  private failures = new Map<string, string>(); // folder -> reason of its latest failed load
  private current: CatalogView = EMPTY_CATALOG;
  private version = 0;
  private watcher: FSWatcher | null = null;
  private scanning: Promise<void> | null = null;
  private rescanRequested = false;
  private debounce: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<(change: CatalogChange) => void>();
  /** Resolves after every completed scan; tests and the CLI wait on it instead of sleeping. */
  private readonly scanListeners = new Set<() => void>();

  constructor(
    private readonly dir: string,
    private readonly ctx: LoaderContext,
    private readonly log: Logger,
  ) {}

  catalog = (): CatalogView => this.current;

  onChange(listener: (change: CatalogChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the next scan (one already queued or started later) completes. */
  nextScan(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.scanListeners.delete(done);
        resolve();
      };
      this.scanListeners.add(done);
    });
  }

  plugins(): LoadedPlugin[] {
    return [...this.loaded.values()];
  }

  status(): PluginStatus[] {
    const folders = new Set([...this.loaded.keys(), ...this.failures.keys()]);
    return [...folders].sort().map((folder) => {
      const plugin = this.loaded.get(folder);
      const error = this.failures.get(folder);
      return {
        folder,
        name: plugin?.manifest.name,
        version: plugin?.manifest.version,
        state: plugin ? (error ? "stale" : "loaded") : "failed",
        error,
        tools: plugin?.offer.tools.length,
      };
    });
  }

  /** Loads everything once; with `watch`, keeps reloading on file changes. */
  async start(watchFiles: boolean): Promise<void> {
    await this.rescan();
    if (watchFiles) this.startWatching();
  }

  /** Rescans now (or right after the scan in progress). Serialised so two scans never race. */
  rescan(): Promise<void> {
    if (this.scanning) {
      this.rescanRequested = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      try {
        do {
          this.rescanRequested = false;
          await this.scanOnce();
        } while (this.rescanRequested);
      } finally {
        this.scanning = null;
        for (const listener of [...this.scanListeners]) listener();
      }
    })();
    return this.scanning;
  }

  close(): void {
    this.watcher?.close();
    if (this.debounce) clearTimeout(this.debounce);
    for (const plugin of this.loaded.values()) plugin.provider.runtime.close();
    this.loaded.clear();
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.dir, { recursive: true }, () => this.scheduleRescan());
      this.watcher.on("error", (err) => this.log.warn("plugin folder watch failed", { dir: this.dir, error: String(err) }));
    } catch (err) {
      this.log.warn("cannot watch the plugins folder; reload needs a restart", { dir: this.dir, error: String(err) });
    }
  }

  /** Editors and copies write in bursts; wait for the burst to end before loading half-written files. */
  private scheduleRescan(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.rescan();
    }, RESCAN_DEBOUNCE_MS);
  }

  private async listFolders(): Promise<string[]> {
    try {
      const entries = await readdir(this.dir, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name).sort();
    } catch (err) {
      this.log.warn("plugins folder is not readable; serving no plugins from it", { dir: this.dir, error: String(err) });
      return [];
    }
  }

  private async scanOnce(): Promise<void> {
    const folders = await this.listFolders();
    const next = new Map<string, LoadedPlugin>();
    const retired: LoadedPlugin[] = [];
    let changed = false;
    const names = new Map<string, string>(); // plugin name -> folder, to refuse two folders claiming one name

    for (const folder of folders) {
      const path = join(this.dir, folder);
      const previous = this.loaded.get(folder);
      try {
        const { fingerprint, manifest } = await readPluginFolder(path);
        const claimed = names.get(manifest.name);
        if (claimed) throw new Error(`plugin name "${manifest.name}" is already used by folder ${claimed}`);
        names.set(manifest.name, folder);
        if (previous && previous.fingerprint === fingerprint) {
          next.set(folder, previous);
          continue;
        }
        const plugin = await loadPlugin(path, this.ctx);
        next.set(folder, plugin);
        this.failures.delete(folder);
        if (previous) retired.push(previous);
        changed = true;
        this.log.info(previous ? "plugin reloaded" : "plugin loaded", {
          plugin: plugin.manifest.name,
          version: plugin.manifest.version,
          abi: plugin.provider.abi,
          tools: plugin.offer.tools.map((t) => t.name),
        });
      } catch (err) {
        const reason = (err as Error).message;
        if (this.failures.get(folder) !== reason || !previous) {
          this.log.error(previous ? "plugin reload failed; keeping the previous version" : "plugin rejected", { folder, reason });
        }
        this.failures.set(folder, reason);
        if (previous) next.set(folder, previous);
      }
    }
    for (const [folder, plugin] of this.loaded) {
      if (!next.has(folder)) {
        retired.push(plugin);
        changed = true;
        this.log.info("plugin removed", { plugin: plugin.manifest.name });
      }
    }
    for (const folder of [...this.failures.keys()]) if (!folders.includes(folder)) this.failures.delete(folder);
    if (!changed) return;

    const previousCatalog = this.current;
    this.loaded = next;
    const { catalog, conflicts, invalid } = buildCatalog([...next.values()], ++this.version);
    for (const c of conflicts) this.log.warn(`${c.kind} name conflict: "${c.name}" is served by ${c.kept}; ${c.hidden}'s is hidden`, { ...c });
    for (const i of invalid) this.log.warn("plugin declaration skipped", i);
    this.current = catalog;
    for (const plugin of retired) plugin.provider.runtime.close();
    const kinds = changedKinds(previousCatalog, catalog);
    if (kinds.size > 0) for (const listener of this.listeners) listener({ kinds, catalog });
  }
}

function changedKinds(before: CatalogView, after: CatalogView): Set<"tools" | "resources" | "prompts"> {
  const kinds = new Set<"tools" | "resources" | "prompts">();
  const same = (a: readonly { item: unknown; provider: unknown }[], b: readonly { item: unknown; provider: unknown }[]) =>
    a.length === b.length && a.every((e, i) => JSON.stringify(e.item) === JSON.stringify(b[i]!.item));
  if (!same(before.tools, after.tools)) kinds.add("tools");
  if (!same(before.resources, after.resources) || !same(before.resourceTemplates, after.resourceTemplates)) kinds.add("resources");
  if (!same(before.prompts, after.prompts)) kinds.add("prompts");
  return kinds;
}
