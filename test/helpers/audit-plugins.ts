/** A temp plugins folder holding the bundled echo plugin with the risk level a test needs. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RiskLevel } from "../../src/pipeline/types.ts";
import { BUNDLED_PLUGINS } from "./gateway.ts";

export function echoPluginsDir(risk: RiskLevel, extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "audit-plugins-"));
  cpSync(join(BUNDLED_PLUGINS, "echo"), join(dir, "echo"), { recursive: true });
  const manifestPath = join(dir, "echo", "manifest.json");
  writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(readFileSync(manifestPath, "utf8")), risk }, null, 2));
  for (const name of extra) cpSync(join(BUNDLED_PLUGINS, name), join(dir, name), { recursive: true });
  return dir;
}
