/**
 * Tool arguments checked against the tool's inputSchema with Ajv's compiled validators.
 *
 * Compiling is the expensive part (measured here: ~1.5 ms per schema, ~45 ms for the very first one while
 * Ajv compiles its meta-schema), validating the cheap one (~60 ns for a valid 3-property object, ~220 ns
 * for an invalid one with 4 errors). So every distinct schema is compiled once: a WeakMap on the schema
 * object makes the hot path one lookup (the catalog hands out the same object on every call), and a map
 * on the schema's canonical hash reuses the compiled validator when a hot reload rebuilds an equal schema.
 *
 * MCP says inputSchema is JSON Schema 2020-12 unless `$schema` names another draft. `format` is not
 * asserted: in 2020-12 it is an annotation unless a schema opts into the format-assertion vocabulary.
 */
import Ajv2020 from "ajv/dist/2020.js";
import Ajv2019 from "ajv/dist/2019.js";
import AjvDraft07, { type ErrorObject, type ValidateFunction } from "ajv";
import draft06 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };
import { canonicalHash } from "./canonical.ts";

export type Compiled = { ok: true; validate: ValidateFunction } | { ok: false; reason: string };

export interface SchemaIssue {
  /** JSON Pointer into the arguments ("" is the arguments object itself). */
  path: string;
  message: string;
}

/**
 * `strict: false` because plugins' schemas carry unknown keywords and `x-` annotations that must not make
 * the tool unusable; `addUsedSchema: false` because two tools may declare the same `$id`.
 */
const AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: false, addUsedSchema: false, allowUnionTypes: true } as const;

/** Bound on distinct schemas kept, so a plugin generating schemas cannot grow the cache forever. */
const MAX_BY_HASH = 10_000;
/** An error message lists this many failing paths, then says how many more there were. */
const MAX_LISTED = 10;

export class SchemaValidators {
  private readonly byObject = new WeakMap<object, Compiled>();
  private readonly byHash = new Map<string, Compiled>();
  private readonly engines = new Map<string, AjvDraft07>();
  /** Compilations so far (for tests and the log: one per distinct schema, never per call). */
  compilations = 0;

  /** Compiles Ajv's own meta-schema now, at start, instead of during the first tools/call (~45 ms). */
  warmUp(): void {
    this.engine("2020").compile({ type: "object" });
  }

  get(schema: object): Compiled {
    let compiled = this.byObject.get(schema);
    if (compiled === undefined) {
      const hash = canonicalHash(schema);
      compiled = this.byHash.get(hash);
      if (compiled === undefined) {
        compiled = this.compile(schema as Record<string, unknown>);
        if (this.byHash.size >= MAX_BY_HASH) this.byHash.clear();
        this.byHash.set(hash, compiled);
      }
      this.byObject.set(schema, compiled);
    }
    return compiled;
  }

  private compile(schema: Record<string, unknown>): Compiled {
    this.compilations++;
    const draft = draftOf(schema.$schema);
    // Draft-04 (and unknown drafts) are checked as draft-07, which reads nearly all of their keywords.
    const source = draft === "legacy" ? withoutSchemaKeyword(schema) : schema;
    try {
      return { ok: true, validate: this.engine(draft === "legacy" ? "07" : draft).compile(source) };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  }

  private engine(draft: "2020" | "2019" | "07"): AjvDraft07 {
    let ajv = this.engines.get(draft);
    if (!ajv) {
      if (draft === "2020") ajv = new Ajv2020(AJV_OPTIONS) as unknown as AjvDraft07;
      else if (draft === "2019") ajv = new Ajv2019(AJV_OPTIONS) as unknown as AjvDraft07;
      else {
        ajv = new AjvDraft07(AJV_OPTIONS);
        ajv.addMetaSchema(draft06);
      }
      this.engines.set(draft, ajv);
    }
    return ajv;
  }
}

function draftOf(uri: unknown): "2020" | "2019" | "07" | "legacy" {
  if (uri === undefined) return "2020";
  if (typeof uri !== "string") return "legacy";
  if (uri.includes("draft/2020-12")) return "2020";
  if (uri.includes("draft/2019-09")) return "2019";
  if (uri.includes("draft-07") || uri.includes("draft-06")) return "07";
  return "legacy";
}

function withoutSchemaKeyword(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

/** Ajv's errors as paths a person can act on: a missing property is named by its own path. */
export function describeIssues(errors: readonly ErrorObject[] | null | undefined): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  for (const e of errors ?? []) {
    const params = e.params as Record<string, unknown>;
    if (e.keyword === "required") issues.push({ path: `${e.instancePath}/${pointerToken(params.missingProperty)}`, message: "is required" });
    else if (e.keyword === "additionalProperties" || e.keyword === "unevaluatedProperties") {
      const extra = params.additionalProperty ?? params.unevaluatedProperty;
      issues.push({ path: `${e.instancePath}/${pointerToken(extra)}`, message: "is not an allowed property" });
    } else if (e.keyword === "enum") {
      issues.push({ path: e.instancePath, message: `must be one of ${JSON.stringify(params.allowedValues)}` });
    } else issues.push({ path: e.instancePath, message: e.message ?? e.keyword });
  }
  return issues;
}

const pointerToken = (key: unknown) => String(key).replace(/~/g, "~0").replace(/\//g, "~1");

/** "/city is required; /days must be integer" (the arguments object itself shows as "(arguments)"). */
export function formatIssues(issues: readonly SchemaIssue[]): string {
  const listed = issues.slice(0, MAX_LISTED).map((i) => `${i.path || "(arguments)"} ${i.message}`);
  if (issues.length > MAX_LISTED) listed.push(`and ${issues.length - MAX_LISTED} more`);
  return listed.join("; ");
}
