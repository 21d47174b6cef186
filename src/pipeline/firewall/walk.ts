/**
 * One pass over a call's arguments: checks the size limits and gathers the text the detectors screen.
 *
 * Why one pass and one text: the detectors are a dozen precompiled regexes, and running each once over
 * the joined strings costs far less than running each over every string (a regex call has a fixed cost
 * that dominates on the short strings arguments are made of). Keys are screened too, since with
 * `additionalProperties` a client chooses them. Strings shorter than MIN_SCREENED cannot hold a sentence
 * worth screening and are skipped, which keeps ids, enums and numbers-as-strings out of the text.
 */
import type { LimitsConfig } from "./config.ts";

export interface ArgumentScan {
  /** Approximate JSON size: UTF-8 bytes of strings and keys plus a fixed cost per other value. */
  bytes: number;
  /** The first limit broken, with the path where it broke; undefined when all hold. */
  violation: { limit: keyof LimitsConfig; path: string; actual: number } | undefined;
  /** The strings worth screening, joined by newlines ("" when there are none). */
  text: string;
}

const MIN_SCREENED = 8;
const SCALAR_BYTES = 8;

interface WalkState {
  limits: LimitsConfig;
  bytes: number;
  text: string;
  collect: boolean;
  violation: ArgumentScan["violation"];
  path: string[];
}

export function scanArguments(args: Record<string, unknown> | undefined, limits: LimitsConfig, collect: boolean): ArgumentScan {
  const state: WalkState = { limits, bytes: 0, text: "", collect, violation: undefined, path: [] };
  if (args !== undefined) walk(args, 1, state);
  if (!state.violation && state.bytes > limits.maxArgumentBytes) {
    state.violation = { limit: "maxArgumentBytes", path: "", actual: state.bytes };
  }
  return { bytes: state.bytes, violation: state.violation, text: state.text };
}

function walk(value: unknown, depth: number, s: WalkState): void {
  if (s.violation) return;
  if (typeof value === "string") {
    s.bytes += Buffer.byteLength(value) + 2;
    if (value.length > s.limits.maxStringLength) {
      s.violation = { limit: "maxStringLength", path: pointer(s.path), actual: value.length };
      return;
    }
    if (s.collect && value.length >= MIN_SCREENED) s.text += s.text ? `\n${value}` : value;
    return;
  }
  if (value === null || typeof value !== "object") {
    s.bytes += SCALAR_BYTES;
    return;
  }
  if (depth > s.limits.maxDepth) {
    s.violation = { limit: "maxDepth", path: pointer(s.path), actual: depth };
    return;
  }
  // Stop early on a flood: no need to walk 100 MB once the byte budget is spent.
  if (s.bytes > s.limits.maxArgumentBytes) return;
  if (Array.isArray(value)) {
    s.bytes += 2;
    for (let i = 0; i < value.length; i++) {
      s.path.push(String(i));
      walk(value[i], depth + 1, s);
      s.path.pop();
      s.bytes += 1;
      if (s.violation) return;
    }
    return;
  }
  s.bytes += 2;
  for (const key in value as Record<string, unknown>) {
    s.bytes += Buffer.byteLength(key) + 4;
    if (s.collect && key.length >= MIN_SCREENED) s.text += s.text ? `\n${key}` : key;
    s.path.push(key);
    walk((value as Record<string, unknown>)[key], depth + 1, s);
    s.path.pop();
    if (s.violation) return;
  }
}

function pointer(path: readonly string[]): string {
  let out = "";
  for (const token of path) out += `/${token.replace(/~/g, "~0").replace(/\//g, "~1")}`;
  return out;
}

/**
 * The text of a tools/call result a model will read: text content, embedded resource text, and every
 * string of structuredContent. Other content (images, audio, links) carries no instructions to screen.
 */
export function resultText(result: unknown): string {
  if (result === null || typeof result !== "object") return "";
  let text = "";
  const content = (result as { content?: unknown }).content;
  if (Array.isArray(content)) {
    for (const item of content) {
      if (item === null || typeof item !== "object") continue;
      const piece = (item as { text?: unknown }).text;
      if (typeof piece === "string") text += text ? `\n${piece}` : piece;
      const resource = (item as { resource?: { text?: unknown } }).resource;
      if (resource && typeof resource.text === "string") text += text ? `\n${resource.text}` : resource.text;
    }
  }
  const structured = (result as { structuredContent?: unknown }).structuredContent;
  if (structured !== undefined) text = gatherStrings(structured, text, 0);
  return text;
}

function gatherStrings(value: unknown, text: string, depth: number): string {
  if (typeof value === "string") return value.length >= MIN_SCREENED ? (text ? `${text}\n${value}` : value) : text;
  if (value === null || typeof value !== "object" || depth > 64) return text;
  if (Array.isArray(value)) {
    for (const v of value) text = gatherStrings(v, text, depth + 1);
    return text;
  }
  for (const key in value as Record<string, unknown>) text = gatherStrings((value as Record<string, unknown>)[key], text, depth + 1);
  return text;
}
