import { describe, expect, test } from "bun:test";
import { factsOf, gate } from "../text-facts/index.ts";
import { findSecrets, SECRET_DETECTORS, shannonEntropy } from "./secrets.ts";

const kinds = (text: string) => findSecrets(text).map((h) => h.kind);

describe("secrets in arguments", () => {
  const positives: [kind: string, text: string][] = [
    ["aws_access_key_id", "use key AKIAIOSFODNN7EXAMPLE please"],
    ["aws_secret_access_key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
    ["private_key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA..."],
    ["private_key", "-----BEGIN OPENSSH PRIVATE KEY-----"],
    ["jwt", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
    ["github_token", "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"],
    ["slack_token", "xoxb-1234567890-abcdefghij"],
    ["stripe_key", `sk_live_${"4eC39HqLyjWDarjtT1zdp7dc"}`],
    ["google_api_key", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"],
    ["llm_api_key", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789ABCD"],
    ["high_entropy_token", "token: Zx9Qw3Er7Ty1Ui5Op2As6Df8Gh4Jk0LmNb"],
  ];
  for (const [kind, text] of positives) {
    test(`finds ${kind}`, () => expect(kinds(text)).toContain(kind));
    test(`finds ${kind} inside prose, after a non-ASCII word, across whitespace runs`, () => {
      expect(kinds(`Voilà — le résumé:\t\t${text}\n\nmerci`)).toContain(kind);
    });
  }

  test("each detector's gate (the shared one-pass facts) is open on every text its regex matches", () => {
    for (const d of SECRET_DETECTORS) {
      const g = gate(d.gates);
      for (const [, text] of positives) {
        for (const variant of [text, `é${text}é`, text.replaceAll(" ", " \u00a0 ")]) {
          if (d.pattern.test(variant)) expect({ kind: d.kind, variant, open: g.open(factsOf(variant)) }).toEqual({ kind: d.kind, variant, open: true });
        }
      }
    }
  });

  test("ordinary values are not secrets: digests, UUIDs, identifiers, paths, prose, base64 files", () => {
    for (const text of [
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "123e4567-e89b-12d3-a456-426614174000",
      "getUserAccountSettingsForCurrentTenantById",
      "/usr/local/share/applications/firefox/defaults/preferences",
      "Please summarise the meeting notes from Tuesday and list the action items.",
      Buffer.from("a long file body ".repeat(40)).toString("base64"),
    ]) {
      expect({ text: text.slice(0, 40), kinds: kinds(text) }).toEqual({ text: text.slice(0, 40), kinds: [] });
    }
  });

  test("a finding names the kind but never carries the secret", () => {
    const [hit] = findSecrets("key AKIAIOSFODNN7EXAMPLE");
    expect(hit).toEqual({ kind: "aws_access_key_id", label: "AWS access key id", masked: "AKIA… (20 chars)" });
  });

  test("a token named by a precise detector is not reported again as generic", () => {
    expect(kinds("ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8")).toEqual(["github_token"]);
  });

  test("entropy separates random tokens from words and hex", () => {
    expect(shannonEntropy("Zx9Qw3Er7Ty1Ui5Op2As6Df8Gh4Jk0LmNb")).toBeGreaterThan(4.3);
    expect(shannonEntropy("e3b0c44298fc1c149afbf4c8996fb924")).toBeLessThanOrEqual(4);
  });
});
