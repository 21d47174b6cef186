import { describe, expect, test } from "bun:test";
import type { JsonRpcNotification } from "../../protocol/jsonrpc.ts";
import { Session } from "../../session/session.ts";
import { ANONYMOUS } from "../chain.ts";
import { Call } from "../types.ts";
import { dlpConfigSchema } from "./config.ts";
import { buildPlan, Rewriter } from "./engine.ts";
import { createDlpStage } from "./index.ts";
import { createStreamRedactor } from "./stream.ts";

const CARD = "4111 1111 1111 1111";
const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

function redactor(dlp: Record<string, unknown> = {}, holdBackChars = 64, maxHoldChars = 4096) {
  const config = dlpConfigSchema.parse(dlp);
  const found: string[] = [];
  const r = createStreamRedactor({
    level: buildPlan(config).LOW,
    rewriter: new Rewriter(undefined),
    holdBackChars,
    maxHoldChars,
    onFinding: (d, a) => void found.push(`${d}:${a}`),
  });
  return { r, found };
}

/** Feeds `chunks` and returns everything emitted, plus what was emitted after each push. */
function feed(r: ReturnType<typeof createStreamRedactor>, chunks: string[]): { all: string; emitted: string[] } {
  const emitted = chunks.map((c) => r.push(c));
  emitted.push(r.end());
  return { all: emitted.join(""), emitted };
}

describe("stream redactor", () => {
  test("a card number split across two chunks is caught whole", () => {
    const { r, found } = redactor({ action: "mask" });
    const { all, emitted } = feed(r, ["order paid with 4111 1111 ", "1111 1111, thank you"]);
    expect(all).toBe("order paid with **** **** **** 1111, thank you");
    expect(emitted.join("")).not.toContain("4111");
    expect(found).toEqual(["card:mask"]);
  });

  test("every split point of a text with several values gives the same output as redacting it whole", () => {
    const text = `${"lorem ipsum ".repeat(12)}card ${CARD} mail a.b@example.com token ${JWT} ip 10.9.8.7 ${"dolor sit ".repeat(12)}`;
    const whole = feed(redactor().r, [text]).all;
    expect(whole).toContain("[REDACTED:card]");
    expect(whole).toContain("[REDACTED:jwt]");
    for (let cut = 1; cut < text.length; cut++) {
      expect(feed(redactor().r, [text.slice(0, cut), text.slice(cut)]).all).toBe(whole);
    }
  });

  test("emits early when it can: text beyond the hold-back goes out before the stream ends", () => {
    const { r } = redactor({}, 64);
    const out = r.push("x ".repeat(200));
    expect(out.length).toBeGreaterThan(200);
    expect(out.length).toBeLessThanOrEqual(400 - 64);
  });

  test("a token longer than the hold-back, streamed a few characters at a time, is still caught", () => {
    const { r } = redactor({}, 64);
    const text = `Authorization: Bearer ${JWT} done`;
    const chunks = text.match(/.{1,7}/gs)!;
    expect(feed(r, chunks).all).toBe("Authorization: Bearer [REDACTED:jwt] done");
  });

  test("holding is bounded: a never-ending run is released at maxHoldChars", () => {
    const { r } = redactor({}, 64, 1024);
    let out = "";
    for (let i = 0; i < 100; i++) out += r.push("A".repeat(100));
    expect(out.length).toBeGreaterThanOrEqual(100 * 100 - 1024);
  });

  test("a key block cut off before its END line is redacted when the stream ends", () => {
    const { r } = redactor();
    const { all } = feed(r, ["ok\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow", "IBAAKCAQEA7Zq\n"]);
    expect(all).toBe("ok\n[REDACTED:private_key]");
  });

  test("block: the value is redacted in the stream and `blocked` names the detector", () => {
    const { r } = redactor({ detectors: { card: "block" } });
    const { all } = feed(r, [`pay ${CARD.slice(0, 7)}`, `${CARD.slice(7)} now`]);
    expect(all).toBe("pay [REDACTED:card] now");
    expect(r.blocked).toBe("card");
  });
});

describe("redactNotification", () => {
  const newCall = () => {
    const call = new Call({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "t" } }, new Session("s", "2025-11-25", undefined, {}), ANONYMOUS, {
      transport: "http",
    });
    call.target = { kind: "tool", name: "t", risk: "MEDIUM", tags: [] };
    return call;
  };
  const log = (data: unknown): JsonRpcNotification => ({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", logger: "p", data } });

  test("redacts log data (strings and objects) and progress messages; clean messages pass as the same object", () => {
    const dlp = createDlpStage({ config: { dlp: dlpConfigSchema.parse({}) } });
    const call = newCall();
    expect(dlp.redactNotification(call, log(`user alice@example.com`))!.params!.data).toBe("user [REDACTED:email]");
    expect(dlp.redactNotification(call, log({ step: 2, ip: "10.0.0.7" }))!.params!.data).toEqual({ step: 2, ip: "[REDACTED:ip]" });
    const progress: JsonRpcNotification = { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: 1, message: `charging ${CARD}` } };
    expect(dlp.redactNotification(call, progress)!.params).toEqual({ progressToken: 1, progress: 1, message: "charging [REDACTED:card]" });
    const clean = log("all good");
    expect(dlp.redactNotification(newCall(), clean)).toBe(clean);
    expect(call.findings.map((f) => `${f.kind}:${f.detail}`)).toEqual([
      "email:1 match in notifications/message",
      "ip:1 match in notifications/message",
      "card:1 match in notifications/progress",
    ]);
  });

  test("a card number split across two log messages: the second part is withheld and the finding recorded", () => {
    const dlp = createDlpStage({ config: { dlp: dlpConfigSchema.parse({ action: "mask" }) } });
    const call = newCall();
    const first = dlp.redactNotification(call, log("card: 4111 1111"))!;
    expect(first.params!.data).toBe("card: 4111 1111"); // alone it is not a card number
    const second = dlp.redactNotification(call, log(" 1111 1111 accepted"))!;
    expect(second.params!.data).toBe("[REDACTED:card] accepted");
    expect(call.findings).toEqual([{ stage: "dlp", kind: "card", detail: "1 match in notifications/message", action: "mask" }]);
  });

  test("block drops the notification; repeated findings update one record per detector", () => {
    const dlp = createDlpStage({ config: { dlp: dlpConfigSchema.parse({ detectors: { email: "block" } }) } });
    const call = newCall();
    expect(dlp.redactNotification(call, log("to a@example.com"))).toBeNull();
    expect(dlp.redactNotification(call, log("to b@example.com"))).toBeNull();
    expect(dlp.redactNotification(call, log("fine"))).not.toBeNull();
    expect(call.findings).toEqual([{ stage: "dlp", kind: "email", detail: "2 matches in notifications/message", action: "block" }]);
  });

  test("other notifications and a disabled DLP pass untouched", () => {
    const off = createDlpStage({ config: { dlp: dlpConfigSchema.parse({ notifications: false }) } });
    const message = log(`card ${CARD}`);
    expect(off.redactNotification(newCall(), message)).toBe(message);
    const on = createDlpStage({ config: { dlp: dlpConfigSchema.parse({}) } });
    const other: JsonRpcNotification = { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: `mem://${CARD}` } };
    expect(on.redactNotification(newCall(), other)).toBe(other);
  });

  test("the per-call stream redactor records findings on the call", () => {
    const dlp = createDlpStage({ config: { dlp: dlpConfigSchema.parse({ stream: { holdBackChars: 64 } }) } });
    const call = newCall();
    const r = dlp.createStreamRedactor(call);
    expect(r.push(`x ${CARD.slice(0, 9)}`) + r.push(`${CARD.slice(9)} y`) + r.end()).toBe("x [REDACTED:card] y");
    expect(call.findings).toEqual([{ stage: "dlp", kind: "card", detail: "1 match in stream", action: "redact" }]);
  });
});
