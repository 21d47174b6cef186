/** A gateway data dir whose SQLite file already holds an API key per tenant, for e2e tests of tools above LOW risk. */
import { join } from "node:path";
import { SQLITE_FILE, SqliteKeyStore } from "../../src/adapters/api-key-store.ts";
import { generateApiKey } from "../../src/pipeline/authn/api-key.ts";
import type { TempFolders } from "./temp.ts";

export function dataDirWithKeys(temp: TempFolders, ...tenants: string[]): { dataDir: string; keys: string[] } {
  const dataDir = temp.make("e2e-data-");
  const store = SqliteKeyStore.open(join(dataDir, SQLITE_FILE));
  const keys = tenants.map((tenant) => {
    const { key, id, hash } = generateApiKey();
    void store.insert({ id, hash, tenant, roles: ["user"], name: `${tenant}-key`, createdAt: new Date().toISOString(), revokedAt: null });
    return key;
  });
  return { dataDir, keys };
}

/** Authorization header for connectClient. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
