/** Small readers for request params that fail with -32602 naming the parameter. */
import { GatewayError } from "../protocol/errors.ts";

type Params = Record<string, unknown> | undefined;

export function requireString(params: Params, name: string): string {
  const value = params?.[name];
  if (typeof value !== "string" || value.length === 0) {
    throw new GatewayError("invalid_params", `Invalid params: "${name}" must be a non-empty string`);
  }
  return value;
}

export function optionalObject(params: Params, name: string): Record<string, unknown> | undefined {
  const value = params?.[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("invalid_params", `Invalid params: "${name}" must be an object`);
  }
  return value as Record<string, unknown>;
}

export function requireObject(params: Params, name: string): Record<string, unknown> {
  const value = optionalObject(params, name);
  if (!value) throw new GatewayError("invalid_params", `Invalid params: "${name}" is required`);
  return value;
}

export function stringRecord(value: Record<string, unknown> | undefined, name: string): Record<string, string> | undefined {
  if (!value) return undefined;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") throw new GatewayError("invalid_params", `Invalid params: "${name}.${key}" must be a string`);
  }
  return value as Record<string, string>;
}
