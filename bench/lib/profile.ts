/**
 * Summarises a .cpuprofile (from `bun --cpu-prof`) by SAMPLE COUNT. Bun's own --cpu-prof-md weights samples
 * by the time since the previous one, which charges idle gaps to whatever ran last; counting samples does not.
 *
 * - self / inclusive: top functions.
 * - areas: each busy sample charged to the innermost frame that is the repo's own code under src/ (so a
 *   native call, a library (CEL, zod, the Extism SDK, bun:sqlite) or wasm is charged to the src/ module that
 *   called it); the hot-path stages are src/pipeline/<stage>. Samples with no src/ frame on the stack are
 *   Bun itself (HTTP server, promise jobs, GC). The areas partition the busy samples, so share × CPU per
 *   request gives µs per request per area.
 * - areasOnStack: busy samples with a frame of the area anywhere on the stack (overlapping: a stage that
 *   calls metrics counts in both), i.e. what a stage costs with everything it calls.
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: Node[];
  samples: number[];
}
export interface ProfileSummary {
  samples: number;
  busy: number;
  self: [string, number][];
  inclusive: [string, number][];
  areas: [string, number][];
  areasOnStack: [string, number][];
}

const IDLE = new Set(["(idle)", "(program)", "(root)"]);
export const OUTSIDE_SRC = "(no src/ frame: Bun HTTP server, promise jobs, GC)";

function label(n: Node): string {
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(/^.*\/(node_modules\/|src\/)/, "$1")}:${f.lineNumber + 1}` : "native";
  return `${f.functionName || "(anonymous)"} ${where}`;
}

/** "pipeline/dlp", "pipeline/chain.ts", "sandbox", "transport", "gateway.ts", … or undefined if not src/. */
function area(url: string): string | undefined {
  const m = /\/src\/(.+)$/.exec(url);
  if (!m || url.includes("/node_modules/")) return undefined;
  const parts = m[1]!.split("/");
  return parts[0] === "pipeline" && parts.length > 1 ? `pipeline/${parts[1]}` : parts[0];
}

const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);

export function summarise(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const self = new Map<string, number>(), inclusive = new Map<string, number>(), areas = new Map<string, number>();
  const onStack = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let busy = 0;
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    const fn = node.callFrame.functionName;
    if (IDLE.has(fn) && !node.callFrame.url) {
      add(self, fn);
      continue;
    }
    busy++;
    add(self, label(node));
    const seen = new Set<string>(), seenAreas = new Set<string>();
    let charged: string | undefined;
    for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
      const n = byId.get(cur)!;
      const l = label(n);
      if (!seen.has(l)) (seen.add(l), add(inclusive, l));
      const a = area(n.callFrame.url);
      charged ??= a;
      if (a && !seenAreas.has(a)) (seenAreas.add(a), add(onStack, a));
    }
    add(areas, charged ?? (fn === "(garbage collector)" ? "(garbage collector)" : OUTSIDE_SRC));
  }
  return { samples: profile.samples.length, busy, self: sorted(self), inclusive: sorted(inclusive), areas: sorted(areas), areasOnStack: sorted(onStack) };
}

export async function readProfile(file: string): Promise<ProfileSummary> {
  return summarise((await Bun.file(file).json()) as CpuProfile);
}
