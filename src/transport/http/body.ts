/**
 * Reads a request body without ever holding more than the limit: a declared Content-Length over the limit
 * is refused before reading, and a chunked body is counted as it streams in.
 */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds the ${limit}-byte limit`);
  }
}

/** `declared` is the Content-Length header when the caller has read it already (one header lookup less). */
export function readBodyText(req: Request, limit: number, declared = req.headers.get("content-length")): Promise<string> {
  if (declared !== null) {
    // No async wrapper on this, the usual path: one promise (the body's) instead of two.
    if (Number(declared) > limit) return Promise.reject(new BodyTooLarge(limit));
    return req.text();
  }
  return readStreamed(req, limit);
}

async function readStreamed(req: Request, limit: number): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      void reader.cancel();
      throw new BodyTooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
