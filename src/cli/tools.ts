/**
 * `mcp-sidecar tools ...`: review and approve tool definitions that pinning quarantined.
 *
 *   tools list              every pinned tool, with what awaits approval
 *   tools diff <name>       what changed: approved vs pending description and input schema
 *   tools approve <name>    approve the pending definition (exactly what the gateway logged)
 *
 * Works on the same store the gateways use (storage.dataDir's SQLite file, or storage.postgres.url);
 * running gateways pick an approval up within firewall.pinning.refreshMs, without a restart.
 */
import type { Config } from "../config/schema.ts";
import { definitionDiff, parseDefinition } from "../pipeline/firewall/diff.ts";
import { openPinStore, type PinRecord } from "../adapters/pin-store.ts";

const USAGE = `usage: mcp-sidecar tools list
       mcp-sidecar tools diff <name>
       mcp-sidecar tools approve <name>`;

export interface ToolsCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Recorded as the approver, e.g. "cli:alice". */
  actor: string;
}

export async function runToolsCommand(args: readonly string[], config: Config, io: ToolsCommandIo): Promise<number> {
  const [sub, name, ...extra] = args;
  if (!sub || extra.length > 0 || (sub !== "list" && !name) || !["list", "diff", "approve"].includes(sub)) {
    io.err(USAGE);
    return 2;
  }
  const store = await openPinStore(config.storage);
  const where = store.kind === "postgres" ? "the Postgres store (storage.postgres.url)" : `${config.storage.dataDir} (storage.dataDir)`;
  try {
    const rows = await store.load();
    if (sub === "list") {
      if (rows.length === 0) io.out(`no tools pinned yet in ${where}`);
      for (const r of rows.sort((a, b) => a.tool.localeCompare(b.tool))) io.out(describeRow(r));
      return 0;
    }
    const row = rows.find((r) => r.tool === name);
    if (!row) {
      io.err(`no tool named ${name} has been seen by a gateway using ${where}; known tools: ${rows.map((r) => r.tool).join(", ") || "none"}`);
      return 1;
    }
    if (!row.pendingHash) {
      io.err(`tool ${name} has no change awaiting approval (approved definition sha256 ${short(row.hash)})`);
      return 1;
    }
    const diff = definitionDiff(parseDefinition(row.definition), parseDefinition(row.pendingDefinition)!);
    if (sub === "diff") {
      for (const line of diff) io.out(line);
      return 0;
    }
    const approved = await store.approve(name!, io.actor);
    if (!approved) {
      io.err(`tool ${name} changed while approving; run the command again`);
      return 1;
    }
    io.out(`approved ${name} (sha256 ${short(approved.hash)}); gateways pick it up within ${config.firewall.pinning.refreshMs} ms`);
    for (const line of diff) io.out(line);
    return 0;
  } finally {
    await store.close();
  }
}

function describeRow(r: PinRecord): string {
  const state = r.pendingHash ? (r.hash ? "QUARANTINED: changed, awaiting approval" : "QUARANTINED: new, awaiting approval") : "approved";
  const approved = r.hash ? ` sha256 ${short(r.hash)} by ${r.approvedBy ?? "?"} at ${r.approvedAt ?? "?"}` : "";
  return `${r.tool}\t${state}${approved}`;
}

const short = (hash: string | null) => (hash ? hash.slice(0, 12) : "none");
