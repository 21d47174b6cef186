/**
 * How Postgres values become JSON for a guest, and how a guest's JSON parameters reach Postgres.
 *
 * Rule: a type JSON has becomes that JSON value (boolean, integers, floats, json/jsonb); everything else
 * is Postgres's own text output, which is exact and unambiguous — numeric keeps its digits, bytea is
 * `\x` hex, dates and timestamps are ISO text in UTC, intervals as Postgres writes them. bigint is a
 * number while it fits a double exactly (|n| <= 2^53-1) and its text beyond; NaN / Infinity stay text.
 * Arrays follow the rule per element. postgres.js's own Date and Buffer parsing is switched off for this.
 */
import type postgres from "postgres";
import { CapabilityError } from "../types.ts";

const identity = (x: string) => x;

function finiteOrText(text: string): number | string {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/** postgres.js `types` for the capability's pools (parsers by OID; the array types follow at connect). */
export const SQL_RESULT_TYPES = {
  number: { to: 0, from: [21, 23, 26, 700, 701], serialize: (x: unknown) => String(x), parse: finiteOrText },
  bigint: {
    to: 20,
    from: [20],
    serialize: (x: unknown) => String(x),
    parse: (x: string) => {
      const n = Number(x);
      return Number.isSafeInteger(n) ? n : x;
    },
  },
  // JSON text passes as it is, so a JSON parameter can be sent as text whatever Postgres infers for it.
  json: {
    to: 114,
    from: [114, 3802],
    serialize: (x: unknown) => (typeof x === "string" ? x : JSON.stringify(x)),
    parse: (x: string) => JSON.parse(x),
  },
  // Dates, times and bytea as Postgres's text (postgres.js would make Date / Buffer objects).
  date: { to: 1184, from: [1082, 1083, 1114, 1184, 1266], serialize: identity, parse: identity },
  bytea: { to: 17, from: [17], serialize: identity, parse: identity },
} satisfies Record<string, postgres.PostgresType>;

/** Session settings that make the text forms above stable whatever the server's defaults. */
export const SQL_SESSION = { TimeZone: "UTC", DateStyle: "ISO, YMD", IntervalStyle: "postgres", extra_float_digits: "1" };

export const MAX_PARAMS = 1000;

type Param = string | number | boolean | null | (string | number | boolean | null)[];

/**
 * The guest's `params` as postgres.js arguments: strings, finite numbers, booleans and null as they are
 * (Postgres infers each one's type from where it stands; cast in SQL, `$1::int`, when it cannot), flat
 * arrays of those for `= ANY($1)`, and objects as JSON text (`$1::jsonb`).
 */
export function toParams(value: unknown, fn: string): Param[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new CapabilityError("invalid", `${fn}: "params" must be an array (the values of $1, $2, ...)`);
  if (value.length > MAX_PARAMS) throw new CapabilityError("invalid", `${fn}: at most ${MAX_PARAMS} params`);
  return value.map((v, i) => {
    if (isScalar(v)) return v;
    if (Array.isArray(v)) {
      if (v.every(isScalar)) return v;
      throw new CapabilityError("invalid", `${fn}: params[${i}] is an array with an array or object inside; pass it as JSON text and cast it ($${i + 1}::jsonb)`);
    }
    return JSON.stringify(v);
  });
}

function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
}
