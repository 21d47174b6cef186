/**
 * Tool-description pinning, in memory: which definition of every tool was approved, and which tools are
 * quarantined because what the catalog offers now differs (a hot-reloaded plugin whose description grew
 * hidden instructions is the attack this stops: "tool poisoning" / "rug pull").
 *
 * The hot path asks two cheap questions: has the catalog version changed since the last look (a number
 * compare), and is this tool quarantined (a Map lookup). Only a new catalog version costs more: every
 * tool's definition is hashed (once per tool object, cached) and compared with its pin. Writes to the
 * store are queued and run after the call that triggered them; approvals made by the CLI in another
 * process arrive with the periodic refresh.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../../log.ts";
import type { CatalogView } from "../../registry/types.ts";
import { canonicalJson, sha256Hex } from "./canonical.ts";
import { definitionDiff, parseDefinition, type ToolDefinition } from "./diff.ts";
import type { StorageConfig } from "../../storage/config.ts";
import type { PinStore } from "../../ports/pin-store.ts";

interface Fingerprint {
  hash: string;
  canonical: string;
}

export interface PinsOptions {
  store: PinStore;
  log: Logger;
  autoApproveFirst: boolean;
}

export const approveCommand = (tool: string) => `mcp-sidecar tools approve ${tool}`;

export class ToolPins {
  private approved = new Map<string, Fingerprint>();
  /** Tool -> hash already recorded as pending, so a change is logged and written once, not per call. */
  private readonly pending = new Map<string, string>();
  private readonly quarantined = new Map<string, string>();
  private readonly fingerprints = new WeakMap<Tool, Fingerprint>();
  private seenVersion = -1;
  private writes: Promise<void> = Promise.resolve();

  private constructor(private readonly opts: PinsOptions) {}

  static async open(opts: PinsOptions): Promise<ToolPins> {
    const pins = new ToolPins(opts);
    pins.apply(await opts.store.load());
    return pins;
  }

  /** Hot path: reconciles only when the catalog changed since the last look. */
  check(catalog: CatalogView): void {
    if (catalog.version !== this.seenVersion) this.reconcile(catalog);
  }

  /** The refusal message when the tool is quarantined; undefined when it may be called. */
  quarantine(tool: string): string | undefined {
    return this.quarantined.size === 0 ? undefined : this.quarantined.get(tool);
  }

  quarantinedTools(): string[] {
    return [...this.quarantined.keys()];
  }

  /** Re-reads the store (approvals from the CLI, pins from other replicas) and re-checks the catalog. */
  async refresh(catalog: CatalogView): Promise<void> {
    await this.writes;
    this.apply(await this.opts.store.load());
    this.reconcile(catalog);
  }

  /** Waits for queued store writes (tests, shutdown). */
  flush(): Promise<void> {
    return this.writes;
  }

  private apply(records: Awaited<ReturnType<PinStore["load"]>>): void {
    for (const r of records) {
      if (r.hash && r.definition) this.approved.set(r.tool, { hash: r.hash, canonical: r.definition });
      if (r.pendingHash) this.pending.set(r.tool, r.pendingHash);
      else this.pending.delete(r.tool);
    }
  }

  private reconcile(catalog: CatalogView): void {
    this.seenVersion = catalog.version;
    for (const { item: tool, provider } of catalog.tools) {
      const now = this.fingerprint(tool);
      const pinned = this.approved.get(tool.name);
      if (pinned?.hash === now.hash) {
        if (this.quarantined.delete(tool.name)) this.opts.log.info("tool released from quarantine: its definition matches the approved one", { tool: tool.name });
        if (this.pending.delete(tool.name)) this.write((s) => s.setPending(tool.name, null, null));
        continue;
      }
      if (!pinned && this.opts.autoApproveFirst) {
        this.approved.set(tool.name, now);
        this.write((s) => s.pinFirst(tool.name, now.hash, now.canonical, "auto (first seen)"));
        continue;
      }
      this.quarantined.set(
        tool.name,
        pinned
          ? `tool ${tool.name} changed since it was approved; re-approve it with \`${approveCommand(tool.name)}\``
          : `tool ${tool.name} has not been approved yet; approve it with \`${approveCommand(tool.name)}\``,
      );
      if (this.pending.get(tool.name) === now.hash) continue; // already logged and recorded
      this.pending.set(tool.name, now.hash);
      this.write((s) => s.setPending(tool.name, now.hash, now.canonical));
      const after = JSON.parse(now.canonical) as ToolDefinition;
      this.opts.log.warn(pinned ? "tool quarantined: its description or input schema changed since it was approved" : "tool quarantined: not approved yet", {
        tool: tool.name,
        plugin: provider.pluginName,
        approvedHash: pinned?.hash,
        newHash: now.hash,
        diff: definitionDiff(parseDefinition(pinned?.canonical), after),
        approve: approveCommand(tool.name),
      });
    }
  }

  private fingerprint(tool: Tool): Fingerprint {
    let fp = this.fingerprints.get(tool);
    if (!fp) {
      const canonical = canonicalJson(definitionOf(tool));
      fp = { hash: sha256Hex(canonical), canonical };
      this.fingerprints.set(tool, fp);
    }
    return fp;
  }

  private write(op: (store: PinStore) => Promise<void>): void {
    // In order, after the call that queued them; a failed write is reported and the chain carries on.
    this.writes = this.writes
      .then(() => op(this.opts.store))
      .catch((err) => this.opts.log.error("tool pinning: could not write to the pin store; the pin holds in memory only", { error: String(err) }));
  }
}

/** What is pinned: the two places a model reads instructions from. */
export function definitionOf(tool: Pick<Tool, "description" | "inputSchema">): ToolDefinition {
  return { description: tool.description ?? "", inputSchema: tool.inputSchema };
}

/**
 * Opens the store, loads the pins and starts the refresh beside the hot path (approvals from the CLI,
 * pins from other replicas). `close` stops the refresh, waits for queued writes and closes the store.
 */
export async function startPinning(opts: {
  storage: StorageConfig;
  /** Opens the pin store the storage config names (injected by the composition root). */
  openStore: (storage: StorageConfig) => Promise<PinStore>;
  log: Logger;
  autoApproveFirst: boolean;
  refreshMs: number;
  catalog: () => CatalogView;
}): Promise<{ pins: ToolPins; close(): Promise<void> }> {
  const store = await opts.openStore(opts.storage);
  const pins = await ToolPins.open({ store, log: opts.log, autoApproveFirst: opts.autoApproveFirst });
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = pins
      .refresh(opts.catalog())
      .catch((err) => opts.log.warn("tool pinning: refresh from the pin store failed; keeping the pins in memory", { error: String(err) }))
      .finally(() => (running = undefined));
  }, opts.refreshMs);
  timer.unref?.();
  return {
    pins,
    close: async () => {
      clearInterval(timer);
      await running;
      await pins.flush();
      await store.close();
    },
  };
}
