/**
 * `mcp-sidecar keys …`: manage API keys in the store the configuration names (the SQLite file under
 * storage.dataDir, or Postgres). A running gateway picks changes up within auth.apiKeys.refreshIntervalMs.
 *
 *   keys create --tenant T [--roles a,b] [--name N]   prints the key once, on stdout alone
 *   keys list [--json]                                never shows secrets (only hashes are stored)
 *   keys revoke <id>
 */
import { ConfigError, loadConfig } from "../config/load.ts";
import { generateApiKey } from "../pipeline/authn/api-key.ts";
import { openKeyStore, type ApiKeyRecord } from "../adapters/api-key-store.ts";

export interface CliIo {
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
}

export const KEYS_HELP = `Usage:
  mcp-sidecar keys create --tenant T [--roles a,b] [--name N] [--config FILE]
  mcp-sidecar keys list [--json] [--config FILE]
  mcp-sidecar keys revoke <id> [--config FILE]
`;

function parse(argv: string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) positional.push(arg);
    else if (arg.includes("=")) flags.set(arg.slice(2, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1));
    else if (arg === "--json") flags.set("json", true);
    else {
      const value = argv[++i];
      if (value === undefined) throw new ConfigError(`${arg} needs a value\n${KEYS_HELP}`);
      flags.set(arg.slice(2), value);
    }
  }
  return { positional, flags };
}

/** Runs one `keys` subcommand; returns the exit code. */
export async function runKeysCommand(argv: string[], io: CliIo): Promise<number> {
  const { positional, flags } = parse(argv);
  const [sub, ...rest] = positional;
  const known = new Set(["config", "tenant", "roles", "name", "json"]);
  for (const flag of flags.keys()) if (!known.has(flag)) throw new ConfigError(`unknown option --${flag}\n${KEYS_HELP}`);
  const configFile = (flags.get("config") as string | undefined) ?? io.env.MCP_SIDECAR_CONFIG;
  if (!sub || !["create", "list", "revoke"].includes(sub)) {
    io.err(KEYS_HELP);
    return sub ? 2 : 0;
  }
  const config = await loadConfig({ file: configFile, env: io.env });
  const store = await openKeyStore(config.storage);
  try {
    switch (sub) {
      case "create": {
        const tenant = flags.get("tenant");
        if (typeof tenant !== "string" || tenant === "") throw new ConfigError(`keys create needs --tenant\n${KEYS_HELP}`);
        const roles = typeof flags.get("roles") === "string" ? (flags.get("roles") as string).split(",").map((r) => r.trim()).filter(Boolean) : [];
        const name = typeof flags.get("name") === "string" ? (flags.get("name") as string) : null;
        const { key, id, hash } = generateApiKey();
        await store.insert({ id, hash, tenant, roles, name, createdAt: new Date().toISOString(), revokedAt: null });
        io.out(`${key}\n`);
        io.err(`created API key ${id} for tenant "${tenant}" (roles: ${roles.join(", ") || "none"}). It is shown only this once: store it now.\n`);
        return 0;
      }
      case "list": {
        const records = await store.list();
        if (flags.get("json")) io.out(`${JSON.stringify(records.map(({ hash: _hash, ...r }) => r), null, 2)}\n`);
        else io.out(table(records));
        return 0;
      }
      case "revoke": {
        const id = rest[0];
        if (!id) throw new ConfigError(`keys revoke needs the key id\n${KEYS_HELP}`);
        if (!(await store.revoke(id.replace(/^key:/, "")))) {
          io.err(`no active API key with id ${id}\n`);
          return 1;
        }
        io.err(`revoked API key ${id}; running gateways refuse it within auth.apiKeys.refreshIntervalMs\n`);
        return 0;
      }
    }
    return 2;
  } finally {
    await store.close();
  }
}

function table(records: ApiKeyRecord[]): string {
  const rows = [["ID", "TENANT", "ROLES", "NAME", "CREATED", "STATUS"]];
  for (const r of records) rows.push([r.id, r.tenant, r.roles.join(",") || "-", r.name ?? "-", r.createdAt, r.revokedAt ? `revoked ${r.revokedAt}` : "active"]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}
