/**
 * The fs capability's confinement: every way out of a granted root fails with a clear error that shows
 * neither the host path nor anything outside the root; what is inside is readable, listable, searchable.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HostOp } from "../../registry/abi/host-functions.ts";
import { tempFolders } from "../../../test/helpers/temp.ts";
import { runOp, SILENT_LOG } from "../testkit.ts";
import { fsCapability, fsGrantSchema } from "./index.ts";

const temp = tempFolders();
const SECRET = "TOP-SECRET-OUTSIDE-THE-ROOT";
let base: string;
let root: string;
let outside: string;
let ops: Record<string, HostOp>;

async function opsFor(grant: unknown): Promise<Record<string, HostOp>> {
  return fsCapability.hostOps(fsGrantSchema.parse(grant), { plugin: "fs-test", resource: undefined, log: SILENT_LOG });
}

beforeAll(async () => {
  base = temp.make("fs-cap-");
  root = join(base, "root");
  outside = join(base, "outside");
  mkdirSync(join(root, "docs", "deep"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, "secret.txt"), `${SECRET}\n`);
  writeFileSync(join(root, "hello.txt"), "hello world\nsecond line\n");
  writeFileSync(join(root, "docs", "guide.md"), "# Guide\nThe needle is here.\n");
  writeFileSync(join(root, "docs", "deep", "notes.txt"), "another NEEDLE, in capitals\n");
  writeFileSync(join(root, "binary.bin"), new Uint8Array([0, 159, 146, 150, 255]));
  symlinkSync(join(outside, "secret.txt"), join(root, "link-out.txt")); // file symlink leaving the root
  symlinkSync(outside, join(root, "dir-out")); // directory symlink leaving the root
  symlinkSync(join(root, "hello.txt"), join(root, "link-in.txt")); // stays inside: allowed
  symlinkSync("loop-b", join(root, "loop-a"));
  symlinkSync("loop-a", join(root, "loop-b"));
  ops = await opsFor({ roots: [{ path: root, name: "files" }] });
});

/** The answer never reveals the host location or the outside file. */
function expectNoLeak(answer: unknown) {
  const text = JSON.stringify(answer);
  expect(text).not.toContain(base);
  expect(text).not.toContain(SECRET);
}

describe("fs: escapes from the root fail", () => {
  const escapes: [string, string, string][] = [
    ["parent segments", "../outside/secret.txt", "denied"],
    ["parent segments after a subfolder", "docs/../../outside/secret.txt", "denied"],
    ["a trailing parent segment", "docs/..", "denied"],
    ["an absolute path", "/etc/passwd", "denied"],
    ["a NUL byte", "hello.txt\0../../etc/passwd", "denied"],
    ["backslash separators", "..\\outside\\secret.txt", "denied"],
    ["a drive letter", "C:/Windows/win.ini", "denied"],
    ["a drive-relative path", "C:secret.txt", "denied"],
    ["a UNC path", "\\\\server\\share\\secret.txt", "denied"],
    ["a file symlink pointing out", "link-out.txt", "denied"],
    ["a directory symlink pointing out", "dir-out/secret.txt", "denied"],
    ["a symlink loop", "loop-a", "denied"],
    ["percent-encoded parents (never decoded)", "%2e%2e/outside/secret.txt", "not_found"],
    ["fullwidth dots (never normalised)", "\uff0e\uff0e/outside/secret.txt", "not_found"],
    ["four dots", "..../outside/secret.txt", "not_found"],
    ["a very long path", "a/".repeat(3000) + "x", "invalid"],
    ["an over-long name", "x".repeat(300), "invalid"],
  ];
  for (const [what, path, code] of escapes) {
    test(`fs_read refuses ${what}`, async () => {
      const answer = await runOp(ops, "fs_read", { path });
      expect(answer.error?.code).toBe(code);
      expect(answer.error.message).toStartWith("fs_read:");
      expectNoLeak(answer);
    });
  }

  test("the absolute host path of a file inside the root is refused too", async () => {
    const answer = await runOp(ops, "fs_read", { path: join(root, "hello.txt") });
    expect(answer.error.code).toBe("denied");
    expect(answer.content).toBeUndefined();
  });

  test("fs_list refuses a directory symlink pointing out and a parent path", async () => {
    for (const path of ["dir-out", "..", "docs/../.."]) {
      const answer = await runOp(ops, "fs_list", { path });
      expect(answer.error?.code).toBe("denied");
      expectNoLeak(answer);
    }
  });

  test("fs_search does not follow symlinks out of the root", async () => {
    const answer = await runOp(ops, "fs_search", { query: "TOP-SECRET" });
    expect(answer.matches).toEqual([]);
    expectNoLeak(answer);
    const parent = await runOp(ops, "fs_search", { query: "secret", path: "../outside" });
    expect(parent.error.code).toBe("denied");
  });

  test("an unknown root name is refused with the granted names", async () => {
    const answer = await runOp(ops, "fs_read", { root: "etc", path: "passwd" });
    expect(answer.error).toEqual({ code: "not_found", message: 'fs_read: no root named "etc"; granted: "files"' });
  });

  test("a plugin granted no roots can read nothing", async () => {
    const none = await opsFor({ roots: [] });
    expect((await runOp(none, "fs_read", { path: "hello.txt" })).error.code).toBe("denied");
  });
});

describe("fs: inside the root", () => {
  test("fs_read returns root-relative paths and the text", async () => {
    const answer = await runOp(ops, "fs_read", { path: "./docs//guide.md" });
    expect(answer).toEqual({ root: "files", path: "docs/guide.md", size: 28, offset: 0, content: "# Guide\nThe needle is here.\n", encoding: "utf-8", truncated: false });
  });

  test("a symlink that stays inside the root is followed and reported by its target", async () => {
    const answer = await runOp(ops, "fs_read", { path: "link-in.txt" });
    expect(answer.path).toBe("hello.txt");
    expect(answer.content).toStartWith("hello world");
  });

  test("offset/length and maxReadBytes bound what is read", async () => {
    expect(await runOp(ops, "fs_read", { path: "hello.txt", offset: 6, length: 5 })).toMatchObject({ content: "world", truncated: true });
    const small = await opsFor({ roots: [{ path: root }], maxReadBytes: 4 });
    expect(await runOp(small, "fs_read", { path: "hello.txt" })).toMatchObject({ root: "root", content: "hell", truncated: true });
    const tooLong = await runOp(small, "fs_read", { path: "hello.txt", length: 5 });
    expect(tooLong.error).toEqual({ code: "invalid", message: 'fs_read: "length" must be an integer from 0 to 4' });
  });

  test("binary content comes back as base64", async () => {
    expect(await runOp(ops, "fs_read", { path: "binary.bin" })).toMatchObject({ encoding: "base64", content: "AJ+SloA=".replace("loA", "lv8") });
  });

  test("reading a directory or a missing file says so", async () => {
    expect((await runOp(ops, "fs_read", { path: "docs" })).error.message).toBe('fs_read: "docs" is not a regular file (use fs_list for directories)');
    expect((await runOp(ops, "fs_read", { path: "nope.txt" })).error).toEqual({ code: "not_found", message: 'fs_read: "nope.txt" does not exist in root "files"' });
  });

  test("fs_list names entries and their types, sorted, without following links", async () => {
    const answer = await runOp(ops, "fs_list", {});
    expect(answer.root).toBe("files");
    expect(answer.path).toBe("");
    expect(answer.entries.map((e: any) => `${e.name}:${e.type}`)).toEqual([
      "binary.bin:file", "dir-out:symlink", "docs:directory", "hello.txt:file", "link-in.txt:symlink", "link-out.txt:symlink", "loop-a:symlink", "loop-b:symlink",
    ]);
    expect((await runOp(ops, "fs_list", { limit: 2 })).more).toBe(true);
  });

  test("fs_search finds lines case-insensitively by default and bounds the results", async () => {
    const answer = await runOp(ops, "fs_search", { query: "needle" });
    expect(answer.matches).toEqual([
      { path: "docs/guide.md", line: 2, text: "The needle is here." },
      { path: "docs/deep/notes.txt", line: 1, text: "another NEEDLE, in capitals" },
    ]);
    expect((await runOp(ops, "fs_search", { query: "needle", caseSensitive: true })).matches).toHaveLength(1);
    const bounded = await runOp(ops, "fs_search", { query: "e", maxResults: 1 });
    expect(bounded.matches).toHaveLength(1);
    expect(bounded.more).toBe(true);
  });

  test("a root that is itself a symlink is confined to its target", async () => {
    const link = join(base, "root-link");
    symlinkSync(root, link);
    const viaLink = await opsFor({ roots: [{ path: link, name: "linked" }] });
    expect((await runOp(viaLink, "fs_read", { path: "hello.txt" })).content).toStartWith("hello world");
    expect((await runOp(viaLink, "fs_read", { path: "../outside/secret.txt" })).error.code).toBe("denied");
    expect((await runOp(viaLink, "fs_read", { path: "link-out.txt" })).error.code).toBe("denied");
  });
});

describe("fs: grants checked at load", () => {
  test("a missing root refuses the load unless create is set", async () => {
    const missing = join(base, "missing");
    await expect(opsFor({ roots: [{ path: missing }] })).rejects.toThrow(`grants.fs.roots[0] (${missing}) does not exist; create it, or set "create": true`);
    const created = await opsFor({ roots: [{ path: missing, create: true }] });
    expect(await runOp(created, "fs_list", {})).toMatchObject({ root: "missing", entries: [] });
  });

  test("a file as root, duplicate names, unknown fields are refused", async () => {
    await expect(opsFor({ roots: [{ path: join(root, "hello.txt") }] })).rejects.toThrow("is not a directory");
    await expect(opsFor({ roots: [{ path: root }, { path: join(root, "docs"), name: "root" }] })).rejects.toThrow('two roots are named "root"');
    expect(() => fsGrantSchema.parse({ roots: [{ path: root, writable: true }] })).toThrow();
  });

  test("several roots need a root name in each call", async () => {
    const two = await opsFor({ roots: [{ path: root, name: "a" }, { path: join(root, "docs"), name: "b" }] });
    expect((await runOp(two, "fs_read", { path: "guide.md" })).error.message).toBe('fs_read: "root" is required when several roots are granted: "a", "b"');
    expect((await runOp(two, "fs_read", { root: "b", path: "guide.md" })).path).toBe("guide.md");
    expect(await runOp(two, "fs_roots", {})).toEqual({ roots: [{ name: "a" }, { name: "b" }] });
  });
});
