import { describe, expect, test } from "bun:test";
import { describeIssues, formatIssues, SchemaValidators } from "./schema-validator.ts";

const WEATHER = {
  type: "object",
  properties: {
    city: { type: "string", maxLength: 100 },
    days: { type: "integer", minimum: 1, maximum: 14 },
    opts: { type: "object", properties: { units: { enum: ["metric", "imperial"] } } },
  },
  required: ["city"],
  additionalProperties: false,
};

function check(validators: SchemaValidators, schema: object, args: unknown): string | undefined {
  const compiled = validators.get(schema);
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.validate(args) ? undefined : formatIssues(describeIssues(compiled.validate.errors));
}

describe("argument validation against the tool's input schema", () => {
  test("valid arguments pass; invalid ones list every failing path", () => {
    const v = new SchemaValidators();
    expect(check(v, WEATHER, { city: "Paris", days: 3, opts: { units: "metric" } })).toBeUndefined();
    expect(check(v, WEATHER, { days: "x", opts: { units: "kelvin" }, extra: 1 })).toBe(
      '/city is required; /extra is not an allowed property; /days must be integer; /opts/units must be one of ["metric","imperial"]',
    );
  });

  test("each distinct schema is compiled once, also when an equal schema arrives as a new object", () => {
    const v = new SchemaValidators();
    for (let i = 0; i < 100; i++) check(v, WEATHER, { city: "x" });
    check(v, structuredClone(WEATHER), { city: "x" });
    expect(v.compilations).toBe(1);
    check(v, { ...WEATHER, required: [] }, {});
    expect(v.compilations).toBe(2);
  });

  test("2020-12 by default; older drafts when $schema says so", () => {
    const v = new SchemaValidators();
    // prefixItems is 2020-12 only.
    expect(check(v, { type: "array", prefixItems: [{ type: "string" }] }, [1])).toBe("/0 must be string");
    expect(check(v, { $schema: "http://json-schema.org/draft-07/schema#", type: "object", required: ["a"] }, {})).toBe("/a is required");
    expect(check(v, { $schema: "https://json-schema.org/draft/2019-09/schema", type: "string" }, 1)).toBe("(arguments) must be string");
    // draft-04 is read as draft-07 (no Ajv draft-04 meta-schema here); its common keywords still apply.
    expect(check(v, { $schema: "http://json-schema.org/draft-04/schema#", type: "object", required: ["a"] }, {})).toBe("/a is required");
  });

  test("two tools may declare the same $id", () => {
    const v = new SchemaValidators();
    expect(check(v, { $id: "https://example.com/args", type: "string" }, 1)).toBe("(arguments) must be string");
    expect(check(v, { $id: "https://example.com/args", type: "number" }, "x")).toBe("(arguments) must be number");
  });

  test("formats are annotations (2020-12 default) and unknown keywords do not break a tool", () => {
    const v = new SchemaValidators();
    expect(check(v, { type: "string", format: "email", "x-ui": "wide" }, "not an email")).toBeUndefined();
  });

  test("a schema that cannot compile is reported, not thrown", () => {
    const v = new SchemaValidators();
    expect(v.get({ type: "objekt" })).toMatchObject({ ok: false });
    expect(v.get({ properties: { a: { $ref: "https://remote.example/schema" } } })).toMatchObject({ ok: false });
  });

  test("long error lists are cut after ten paths", () => {
    const v = new SchemaValidators();
    const schema = { type: "object", required: Array.from({ length: 15 }, (_, i) => `p${i}`) };
    expect(check(v, schema, {})).toEndWith("/p9 is required; and 5 more");
  });
});
