/**
 * Configuration = defaults <- file (YAML or JSON) <- environment, validated once at start.
 *
 * Environment overrides use MCP_SIDECAR_<SECTION>__<KEY>, e.g. MCP_SIDECAR_SERVER__PORT=8080 or
 * MCP_SIDECAR_PLUGINS__DEFAULTS__TIMEOUT_MS=2000. Keys match case-insensitively with underscores ignored,
 * so the SCREAMING_SNAKE form of a camelCase key works. Values are parsed as JSON when they parse
 * (numbers, booleans, arrays) and kept as strings otherwise.
 */
import { z } from "zod";
import { configSchema, type Config } from "./schema.ts";
import { resolveSecretRefs } from "./secret-refs.ts";

export const ENV_PREFIX = "MCP_SIDECAR_";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function parseConfigText(text: string, source: string): unknown {
  try {
    return source.endsWith(".json") ? JSON.parse(text) : Bun.YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`${source}: not valid ${source.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`);
  }
}

const normalise = (s: string) => s.replaceAll("_", "").toLowerCase();

/** Finds the schema key a SCREAMING_SNAKE segment means, so env vars cannot create unknown keys by accident. */
function schemaKeys(schema: z.ZodType, path: string[]): string[] | null {
  let node: z.ZodType = schema;
  for (const key of path) {
    const shape = objectShape(node);
    if (!shape || !(key in shape)) return null;
    node = shape[key] as z.ZodType;
  }
  const shape = objectShape(node);
  return shape ? Object.keys(shape) : null;
}

function objectShape(schema: z.ZodType): Record<string, unknown> | null {
  let node: any = schema;
  // Unwrap default/prefault/optional/nullable wrappers down to the object, if any.
  while (node && !(node instanceof z.ZodObject) && node.def?.innerType) node = node.def.innerType;
  return node instanceof z.ZodObject ? (node.shape as Record<string, unknown>) : null;
}

function parseEnvValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function applyEnvOverrides(base: Record<string, any>, env: Record<string, string | undefined>): Record<string, any> {
  const out = structuredClone(base);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || name === `${ENV_PREFIX}CONFIG`) continue;
    const segments = name.slice(ENV_PREFIX.length).split("__");
    const path: string[] = [];
    for (const segment of segments) {
      const keys = schemaKeys(configSchema, path);
      const match = keys?.find((k) => normalise(k) === normalise(segment));
      if (!match) throw new ConfigError(`${name}: no configuration field "${[...path, segment].join(".")}"`);
      path.push(match);
    }
    let target = out;
    for (const key of path.slice(0, -1)) target = target[key] ??= {};
    target[path[path.length - 1]!] = parseEnvValue(raw);
  }
  return out;
}

/** Validates, then resolves secret references (`${env:NAME}` against `env`, `${file:PATH}`). */
export function validateConfig(input: unknown, source: string, env: Record<string, string | undefined> = {}): Config {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) {
    try {
      return { ...result.data, tenants: resolveSecretRefs(result.data.tenants, env) };
    } catch (err) {
      throw new ConfigError(`invalid configuration (${source}): ${(err as Error).message}`);
    }
  }
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  throw new ConfigError(`invalid configuration (${source}):\n${lines.join("\n")}`);
}

/** Reads the optional file and the environment; throws ConfigError naming the offending field. */
export async function loadConfig(opts: { file?: string; env: Record<string, string | undefined> }): Promise<Config> {
  let fromFile: Record<string, any> = {};
  if (opts.file) {
    const file = Bun.file(opts.file);
    if (!(await file.exists())) throw new ConfigError(`${opts.file}: configuration file not found`);
    const parsed = parseConfigText(await file.text(), opts.file);
    if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) {
      throw new ConfigError(`${opts.file}: the top level must be a mapping of sections (server, plugins, log)`);
    }
    fromFile = (parsed ?? {}) as Record<string, any>;
  }
  const merged = applyEnvOverrides(fromFile, opts.env);
  return validateConfig(merged, opts.file ? `${opts.file} + environment` : "environment", opts.env);
}
