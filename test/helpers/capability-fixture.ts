/**
 * What the capability e2e tests share: a granted root with a file and a symlink pointing out of it, beside a
 * secret that no fs call may reveal, and shorthands for calling a tool with the MCP SDK client.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bearer, dataDirWithKeys } from "./api-keys.ts";
import { connectClient, startTestGateway, type TestGateway } from "./gateway.ts";
import type { TempFolders } from "./temp.ts";

export const SECRET = "OUTSIDE-THE-GRANTED-ROOT";
export const TODO = "- ship the fs plugin\n- test escapes\n";

/** `<base>/root/notes/todo.md`, `<base>/secret.txt`, and `<base>/root/notes/shortcut.md` -> the secret. Returns the root. */
export function writeFsTree(base: string): string {
  const root = join(base, "root");
  mkdirSync(join(root, "notes"), { recursive: true });
  writeFileSync(join(root, "notes", "todo.md"), TODO);
  writeFileSync(join(base, "secret.txt"), SECRET);
  symlinkSync(join(base, "secret.txt"), join(root, "notes", "shortcut.md"));
  return root;
}

export type Client = Awaited<ReturnType<typeof connectClient>>;
export const call = (client: Client, name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args }) as Promise<any>;
export const textOf = (result: any) => (result.content as { text?: string }[]).map((c) => c.text ?? "").join("");

/** A gateway serving `pluginsDir`, with API keys for tenants A and B and one connected client each. */
export interface TwoTenants {
  gw: TestGateway;
  a: Client;
  b: Client;
  stop(): Promise<void>;
}

export async function startTwoTenants(temp: TempFolders, pluginsDir: string, storage: Record<string, unknown> = {}): Promise<TwoTenants> {
  const { dataDir, keys } = dataDirWithKeys(temp, "tenant-a", "tenant-b");
  const gw = await startTestGateway({ config: { plugins: { dir: pluginsDir }, storage: { dataDir, ...storage } } });
  const a = await connectClient(gw.mcpUrl, {}, bearer(keys[0]!));
  const b = await connectClient(gw.mcpUrl, {}, bearer(keys[1]!));
  return {
    gw, a, b,
    async stop() {
      await a.close();
      await b.close();
      await gw.stop();
    },
  };
}
