import { describe, expect, test } from "bun:test";
import { toAuditRecord } from "./record.ts";
import { makeCall } from "./test-support.ts";

const sha = (value: unknown) => new Bun.CryptoHasher("sha256").update(JSON.stringify(value)).digest("hex");
const opts = { fullArguments: new Set<"HIGH">(["HIGH"]) };

describe("audit record: argument hash and sizes", () => {
  test("the hash is the SHA-256 of the arguments' JSON, and bytes_in the params' UTF-8 JSON size", () => {
    const args = { text: 'quote " back\\slash — naïve 😀', n: [1, 2.5, null], nested: { ok: true } };
    const call = makeCall({ args, tool: 'we"ird—tool' });
    const r = toAuditRecord(call, undefined, opts);
    expect(r.argsHash).toBe(sha(args));
    expect(r.bytesIn).toBe(Buffer.byteLength(JSON.stringify(call.request.params)));
  });

  test("arguments a stage replaced are hashed as executed, not as sent", () => {
    const call = makeCall({ args: { text: "sent" } });
    call.args = { text: "redacted by a stage" };
    expect(toAuditRecord(call, undefined, opts).argsHash).toBe(sha({ text: "redacted by a stage" }));
  });

  test("params with more than name and arguments (_meta) still hash the arguments alone", () => {
    const call = makeCall({ args: { text: "x" } });
    call.request.params = { _meta: { progressToken: 7 }, name: "echo", arguments: call.args };
    const r = toAuditRecord(call, undefined, opts);
    expect(r.argsHash).toBe(sha({ text: "x" }));
    expect(r.bytesIn).toBe(Buffer.byteLength(JSON.stringify(call.request.params)));
  });
});
