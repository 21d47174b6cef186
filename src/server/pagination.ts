/**
 * Opaque cursors for list methods. A cursor is base64url("p1:<offset>"): the version tag lets us change
 * the format later and reject cursors we never issued with -32602 instead of guessing.
 */
import { GatewayError } from "../protocol/errors.ts";

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`p1:${offset}`).toString("base64url");
}

function decodeCursor(cursor: unknown): number {
  if (cursor === undefined) return 0;
  if (typeof cursor !== "string") throw new GatewayError("invalid_params", "Invalid cursor: must be a string");
  const text = Buffer.from(cursor, "base64url").toString();
  const match = /^p1:(\d{1,9})$/.exec(text);
  if (!match) throw new GatewayError("invalid_params", `Invalid cursor: ${JSON.stringify(cursor)} was not issued by this server`);
  return Number(match[1]);
}

export function paginate<T>(all: readonly T[], cursor: unknown, pageSize: number): Page<T> {
  const offset = decodeCursor(cursor);
  // A cursor past the end (the list shrank after a reload) yields an empty last page, not an error.
  const items = all.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return next < all.length ? { items, nextCursor: encodeCursor(next) } : { items };
}
