/**
 * Summarises a .cpuprofile (from `bun --cpu-prof`) by SAMPLE COUNT: top functions by self and by inclusive
 * samples. Bun's own --cpu-prof-md weights samples by the time since the previous one, which charges idle
 * gaps to whatever ran last; counting samples does not.
 *   bun bench/profile-top.ts bench/out/gateway.cpuprofile [top=25]
 */
export {};
interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: bun bench/profile-top.ts FILE.cpuprofile [top]");
const profile = (await Bun.file(file).json()) as { nodes: Node[]; samples: number[] };
const topN = Number(topArg ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const label = (n: Node) => {
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(/^.*\/(node_modules\/|src\/)/, "$1")}:${f.lineNumber + 1}` : "native";
  return `${f.functionName || "(anonymous)"} ${where}`;
};
const selfCount = new Map<string, number>();
const totalCount = new Map<string, number>();
let counted = 0;
for (const id of profile.samples) {
  const node = byId.get(id)!;
  if (["(idle)", "(program)", "(garbage collector)", "(root)"].includes(node.callFrame.functionName) && !node.callFrame.url) {
    selfCount.set(node.callFrame.functionName, (selfCount.get(node.callFrame.functionName) ?? 0) + 1);
    counted++;
    continue;
  }
  counted++;
  selfCount.set(label(node), (selfCount.get(label(node)) ?? 0) + 1);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
    const l = label(byId.get(cur)!);
    if (!seen.has(l)) (seen.add(l), totalCount.set(l, (totalCount.get(l) ?? 0) + 1));
  }
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (${counted} samples)`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, topN)) console.log(`${((100 * v) / counted).toFixed(1).padStart(5)}%  ${k}`);
};
show("self", selfCount);
show("inclusive", totalCount);
