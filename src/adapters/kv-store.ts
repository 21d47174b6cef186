/**
 * Where plugin key-value memory lives: Redis when storage.redis is set (shared by replicas), otherwise the
 * embedded SQLite file under storage.dataDir (see ./sqlite/kv-store.ts for why not plain memory).
 */
import { join } from "node:path";
import type { StorageConfig } from "../storage/config.ts";
import type { KvStore } from "../ports/kv-store.ts";
import { RedisKvStore } from "./redis/kv-store.ts";
import { SqliteKvStore } from "./sqlite/kv-store.ts";
import { SQLITE_FILE } from "./api-key-store.ts";

export type { KvStore };

export function openKvStore(storage: StorageConfig): KvStore {
  if (storage.redis) return new RedisKvStore(storage.redis.url, storage.redis.prefix, storage.redis.timeoutMs);
  return SqliteKvStore.open(join(storage.dataDir, SQLITE_FILE));
}
