import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../protocol/errors.ts";
import { MetricsRegistry } from "../../metrics/registry.ts";
import { Session } from "../../session/session.ts";
import { ANONYMOUS } from "../chain.ts";
import { Call, type Outcome, type RiskLevel } from "../types.ts";
import { dlpConfigSchema } from "./config.ts";
import { createDlpStage } from "./index.ts";

const CARD = "4111 1111 1111 1111";
const AWS = "AKIARSXTYD77XBDHY4TJ";

function stageWith(dlp: Record<string, unknown> = {}, metrics?: MetricsRegistry) {
  return createDlpStage({ config: { dlp: dlpConfigSchema.parse(dlp) }, metrics });
}

function callOf(method: string, result: unknown, risk: RiskLevel = "LOW"): Call {
  const call = new Call({ jsonrpc: "2.0", id: 1, method, params: { name: "t" } }, new Session("s", "2025-11-25", undefined, {}), ANONYMOUS, {
    transport: "http",
  });
  call.target = { kind: "tool", name: "t", risk, tags: [] };
  call.result = result;
  return call;
}

const text = (t: string) => ({ content: [{ type: "text", text: t }] });

function respond(dlp: ReturnType<typeof stageWith>, call: Call): Outcome {
  const outcome = dlp.stage!.onResponse!(call);
  if (outcome instanceof Promise) throw new Error("DLP must answer synchronously");
  return outcome;
}

const mutated = (o: Outcome): any => {
  if (o.kind !== "mutate") throw new Error(`expected a mutation, got ${o.kind}`);
  return o.value;
};

describe("DLP stage: actions", () => {
  test("redacts by default, names the type, and leaves the rest of the text alone", () => {
    const out = mutated(respond(stageWith(), callOf("tools/call", text(`card ${CARD}, mail alice@example.com, ok`))));
    expect(out.content[0].text).toBe("card [REDACTED:card], mail [REDACTED:email], ok");
  });

  test("mask keeps the last four and the shape", () => {
    const out = mutated(respond(stageWith({ action: "mask" }), callOf("tools/call", text(`pay with ${CARD}`))));
    expect(out.content[0].text).toBe("pay with **** **** **** 1111");
  });

  test("hash gives the same token for the same value (also across separators), and depends on the key", () => {
    const dlp = stageWith({ action: "hash" });
    const a = mutated(respond(dlp, callOf("tools/call", text(`x ${CARD} y 4111-1111-1111-1111 z ${AWS}`)))).content[0].text as string;
    const tokens = a.match(/\[HASH:[a-z_]+:[0-9a-f]{16}\]/g)!;
    expect(tokens).toHaveLength(3);
    expect(tokens[0]).toBe(tokens[1]!);
    expect(tokens[2]).toStartWith("[HASH:aws_key:");
    const again = mutated(respond(dlp, callOf("tools/call", text(CARD)))).content[0].text;
    expect(again).toBe(tokens[0]!);
    const keyed = mutated(respond(stageWith({ action: "hash", hashKey: "k".repeat(32) }), callOf("tools/call", text(CARD)))).content[0].text;
    expect(keyed).not.toBe(tokens[0]!);
  });

  test("block rejects with `blocked`, naming the detector and never the value", () => {
    const call = callOf("tools/call", text(`key ${AWS}`));
    const outcome = respond(stageWith({ detectors: { aws_key: "block" } }), call);
    expect(outcome.kind).toBe("reject");
    const err = (outcome as Extract<Outcome, { kind: "reject" }>).error;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.kind).toBe("blocked");
    expect(err.message).toContain('an AWS access key (detector "aws_key")');
    expect(err.message).not.toContain(AWS);
    expect(err.data).toEqual({ detectors: ["aws_key"] });
    expect((outcome as { outcome: string }).outcome).toBe("blocked");
  });

  test("per detector and per risk level, most specific first; `off` stays off", () => {
    const dlp = stageWith({
      detectors: { email: "hash", ip: "off" },
      risk: { HIGH: { action: "block" }, CRITICAL: { action: "block", detectors: { email: "mask", ip: "redact" } }, LOW: { action: "off" } },
    });
    const body = "mail bob@example.com from 10.1.2.3";
    expect(respond(dlp, callOf("tools/call", text(body), "LOW"))).toEqual({ kind: "pass" });
    expect(mutated(respond(dlp, callOf("tools/call", text(body), "MEDIUM"))).content[0].text).toMatch(/^mail \[HASH:email:[0-9a-f]+\] from 10\.1\.2\.3$/);
    expect(respond(dlp, callOf("tools/call", text(body), "HIGH")).kind).toBe("reject");
    expect(mutated(respond(dlp, callOf("tools/call", text(body), "CRITICAL"))).content[0].text).toBe("mail ***@******e.com from [REDACTED:ip]");
  });

  test("a clean result passes as is, and methods outside dlp.methods are not scanned", () => {
    const dlp = stageWith({ methods: ["tools/call"] });
    expect(respond(dlp, callOf("tools/call", text("nothing to see, version 1.2.3.4")))).toEqual({ kind: "pass" });
    expect(respond(dlp, callOf("prompts/get", { messages: [{ role: "user", content: { type: "text", text: CARD } }] }))).toEqual({ kind: "pass" });
  });

  test("disabled: no stage at all", () => {
    expect(stageWith({ enabled: false }).stage).toBeUndefined();
  });

  test("rejects unknown detectors and too-short hash keys with the path in the message", () => {
    expect(() => dlpConfigSchema.parse({ detectors: { passport: "redact" } })).toThrow(/passport|detectors/);
    expect(() => dlpConfigSchema.parse({ hashKey: "short" })).toThrow(/at least 16/);
  });
});

describe("DLP stage: where it looks", () => {
  test("structured content, nested, including a card number sent as a JSON number", () => {
    const result = {
      content: [{ type: "text", text: "{}" }],
      structuredContent: { user: { email: "carol@example.org", cards: [4111111111111111], age: 42 }, note: "ok" },
    };
    const out = mutated(respond(stageWith(), callOf("tools/call", result)));
    expect(out.structuredContent).toEqual({ user: { email: "[REDACTED:email]", cards: ["[REDACTED:card]"], age: 42 }, note: "ok" });
    expect(out.content).toBe(result.content); // untouched subtrees keep their identity
    expect(result.structuredContent.user.email).toBe("carol@example.org"); // the original is not modified
  });

  test("embedded resources: text is scanned, binary blobs and images are left alone, text blobs are decoded", () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const result = {
      content: [
        { type: "resource", resource: { uri: "file:///a.txt", mimeType: "text/plain", text: `ssn 536-22-1234` } },
        { type: "resource", resource: { uri: "file:///b.bin", mimeType: "application/octet-stream", blob: b64(`card ${CARD}`) } },
        { type: "resource", resource: { uri: "file:///c.json", mimeType: "application/json", blob: b64(`{"card":"${CARD}"}`) } },
        { type: "image", mimeType: "image/png", data: b64(`card ${CARD}`) },
      ],
    };
    const out = mutated(respond(stageWith(), callOf("tools/call", result)));
    expect(out.content[0].resource.text).toBe("ssn [REDACTED:ssn]");
    expect(out.content[1]).toBe(result.content[1]);
    expect(Buffer.from(out.content[2].resource.blob, "base64").toString()).toBe('{"card":"[REDACTED:card]"}');
    expect(out.content[3]).toBe(result.content[3]);
  });

  test("resources/read contents and prompts/get messages", () => {
    const dlp = stageWith();
    const read = mutated(respond(dlp, callOf("resources/read", { contents: [{ uri: "mem://x", mimeType: "text/plain", text: `call +44 20 7946 0958` }] })));
    expect(read.contents[0].text).toBe("call [REDACTED:phone]");
    const prompt = mutated(
      respond(dlp, callOf("prompts/get", { description: "d", messages: [{ role: "user", content: { type: "text", text: `IBAN GB82WEST12345698765432` } }] })),
    );
    expect(prompt.messages[0]).toEqual({ role: "user", content: { type: "text", text: "IBAN [REDACTED:iban]" } });
  });

  test("findings name detector, count, place and action, never the value; a metric counts them", () => {
    const metrics = new MetricsRegistry();
    const call = callOf("tools/call", { content: [{ type: "text", text: `${CARD} and 5555555555554444` }], structuredContent: { k: AWS } });
    respond(stageWith({ detectors: { card: "mask" } }, metrics), call);
    expect(call.findings).toEqual([
      { stage: "dlp", kind: "card", detail: "2 matches in content[0].text", action: "mask" },
      { stage: "dlp", kind: "aws_key", detail: "1 match in structuredContent.k", action: "redact" },
    ]);
    expect(JSON.stringify(call.findings)).not.toContain("1111");
    expect(metrics.render()).toContain('mcp_dlp_findings_total{detector="card",action="mask",source="result"} 2');
  });
});
