/**
 * Secret detectors: AWS keys, private key blocks, JWTs and API tokens (vendor prefixes, values assigned
 * to secret-looking names, bearer tokens, passwords in URLs). Ranked above PII: on overlap a secret wins.
 */
import { gate } from "../text-facts/index.ts";
import { isPlaceholder, jwtHeaderOk, looksRandom } from "./validators.ts";
import { regexDetector, valueSpan, type Detector } from "./regex-detector.ts";

// ---- AWS: access key ids by their prefixes; a 40-character secret only next to one (or labelled) ---------
const AWS_PREFIXES = ["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA", "ASCA"];
const AWS_ACCESS = new RegExp(`(?<![A-Za-z0-9])(?:${AWS_PREFIXES.join("|")})[A-Z0-9]{16}(?![A-Za-z0-9])`, "g");
const AWS_SECRET = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const AWS_SECRET_LABEL = /aws.{0,24}?secret.{0,24}?\W*$/i;
/** How far (in characters) a secret may sit from its access key id. */
const AWS_PAIR_DISTANCE = 256;

/** A secret is only reported next to an access key id or after a label containing "secret". */
const AWS_GATE = gate([...AWS_PREFIXES.map((p) => p.toLowerCase()), "secret"]);

export const awsKey: Detector = {
  name: "aws_key",
  needs: (facts) => AWS_GATE.open(facts),
  scan(text, out) {
    const ids: number[] = [];
    AWS_ACCESS.lastIndex = 0;
    for (let m = AWS_ACCESS.exec(text); m !== null; m = AWS_ACCESS.exec(text)) {
      out.push({ start: m.index, end: m.index + m[0].length, detector: "aws_key" });
      ids.push(m.index);
    }
    if (ids.length === 0 && !/secret/i.test(text)) return;
    AWS_SECRET.lastIndex = 0;
    for (let m = AWS_SECRET.exec(text); m !== null; m = AWS_SECRET.exec(text)) {
      const s = m[0];
      // Real secrets mix cases; 40 lowercase hex characters are a git SHA.
      if (!/[a-z]/.test(s) || !/[A-Z]/.test(s)) continue;
      const near = ids.some((at) => Math.abs(at - m!.index) <= AWS_PAIR_DISTANCE);
      if (near || AWS_SECRET_LABEL.test(text.slice(Math.max(0, m.index - 64), m.index))) {
        out.push({ start: m.index, end: m.index + s.length, detector: "aws_key" });
      }
    }
  },
};

// ---- private key blocks (PEM, OpenSSH, PGP); a block cut off before its END line still counts ----------
const PRIVATE_KEY =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g;

// ---- JWTs: three base64url parts whose first decodes to a JSON header with "alg" ------------------------
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*(?![A-Za-z0-9_-])/g;

// ---- generic API tokens: well-known prefixes, then random-looking values assigned to secret names -------
const TOKEN_PREFIXED = new RegExp(
  "(?<![A-Za-z0-9_-])(?:" +
    [
      "gh[pousr]_[A-Za-z0-9]{36,255}", // GitHub
      "github_pat_[A-Za-z0-9_]{22,255}",
      "glpat-[A-Za-z0-9_-]{20,}", // GitLab
      "sk-[A-Za-z0-9_-]{20,}", // OpenAI, Anthropic (sk-ant-...), DeepSeek...
      "(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}", // Stripe secret / restricted
      "xox[abposr]-[A-Za-z0-9-]{10,}", // Slack
      "xapp-[0-9]-[A-Za-z0-9-]{10,}",
      "AIza[0-9A-Za-z_-]{35}", // Google API key
      "npm_[A-Za-z0-9]{36}",
      "hf_[A-Za-z0-9]{30,}", // Hugging Face
      "SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}", // SendGrid
      "pypi-[A-Za-z0-9_-]{50,}",
      "shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}", // Shopify
      "dop_v1_[a-f0-9]{64}", // DigitalOcean
      "glsa_[A-Za-z0-9]{32}_[a-fA-F0-9]{8}", // Grafana
    ].join("|") +
    ")(?![A-Za-z0-9_-])",
  "g",
);
/** `name = value` where the name says secret; a quoted value may hold any character but quotes. */
const TOKEN_ASSIGNED =
  /(?<![A-Za-z0-9])(?:api[_-]?key|apikey|access[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|client[_-]?secret|private[_-]?token|secret|password|passwd|pwd|token|credentials?)["']?\s*(?:=>|:=|[:=])\s*(?:"([^"\s]{8,256})"|'([^'\s]{8,256})'|([A-Za-z0-9_\-./+=~]{12,512}))/gi;
const TOKEN_BEARER = /(?<![A-Za-z0-9])Bearer\s+([A-Za-z0-9._~+/-]{16,}=*)/g;
/** Credentials in a URL: scheme://user:password@host. Any non-placeholder password counts. */
const URL_PASSWORD = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/[^\s:/@]{1,64}:([^\s:/@]{3,128})@/g;

const captured = (m: RegExpExecArray): string => m[3] ?? m[2] ?? m[1] ?? "";

/** The vendor prefix, stripped before judging whether the rest is random. */
const TOKEN_PREFIX = /^(?:gh[pousr]_|github_pat_|glpat-|sk-(?:proj-|ant-[a-z]+[0-9]*-|svcacct-|admin-)?|(?:sk|rk)_(?:live|test)_|xox[abposr]-|xapp-|AIza|npm_|hf_|SG\.|pypi-|shp(?:at|ss|ca|pa)_|dop_v1_|glsa_)/;
/** Cheap gates: the full regexes begin with a lookbehind at every letter; these only look for literals. */
const TOKEN_PREFIX_SEED = /gh[pousr]_|github_pat_|glpat-|sk-|[sr]k_(?:live|test)_|xox|xapp-|AIza|npm_|hf_|SG\.|pypi-|shp|dop_v1_|glsa_/;
const SECRET_NAME_SEED = /key|token|secret|passw|pwd|credential/i;
/**
 * Gates on the shared one-pass facts (../text-facts), folded to lower case: a superset of the seeds above,
 * so a text without any of them is skipped without running a regex at all (the seed regexes alone cost
 * ~2–3 µs per KB of prose, the scan they replace is shared with the firewall).
 */
const TOKEN_PREFIX_GATE = gate([
  "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "sk-", "sk_live_", "sk_test_", "rk_live_", "rk_test_",
  "xox", "xapp-", "aiza", "npm_", "hf_", "sg.", "pypi-", "shp", "dop_v1_", "glsa_",
]);
const SECRET_NAME_GATE = gate(["key", "token", "secret", "passw", "pwd", "credential"]);
const BEARER_GATE = gate(["bearer"]);
const URL_GATE = gate(["://"]);
const PRIVATE_KEY_GATE = gate(["private key"]);
const JWT_GATE = gate(["eyj"]);

const tokenPrefixed = regexDetector(
  "api_token",
  TOKEN_PREFIXED,
  (m) => looksRandom(m[0].replace(TOKEN_PREFIX, ""), 16),
  (t) => TOKEN_PREFIX_SEED.test(t),
  (f) => TOKEN_PREFIX_GATE.open(f),
);
const tokenAssigned = regexDetector(
  "api_token",
  TOKEN_ASSIGNED,
  (m) => looksRandom(captured(m), m[3] === undefined ? 8 : 12) && valueSpan(m),
  (t) => SECRET_NAME_SEED.test(t),
  (f) => SECRET_NAME_GATE.open(f),
);
const tokenBearer = regexDetector("api_token", TOKEN_BEARER, (m) => looksRandom(m[1]!, 16) && valueSpan(m), (t) => t.includes("Bearer"), (f) => BEARER_GATE.open(f));
const urlPassword = regexDetector("api_token", URL_PASSWORD, (m) => !isPlaceholder(m[1]!) && valueSpan(m), (t) => t.includes("://"), (f) => URL_GATE.open(f));

export const privateKey = regexDetector("private_key", PRIVATE_KEY, null, (t) => t.includes("PRIVATE KEY"), (f) => PRIVATE_KEY_GATE.open(f));
export const jwt = regexDetector("jwt", JWT, (m) => jwtHeaderOk(m[0].slice(0, m[0].indexOf("."))), (t) => t.includes("eyJ"), (f) => JWT_GATE.open(f));
export const apiToken: readonly Detector[] = [tokenPrefixed, tokenAssigned, tokenBearer, urlPassword];
