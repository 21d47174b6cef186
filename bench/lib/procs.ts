/**
 * Child processes for the benchmark (servers, load generators) and the CPU accounting around a load run.
 * Every child is tracked and killed when the parent exits, whatever the reason.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { availableParallelism as nproc } from "node:os";

export const BENCH_DIR = join(import.meta.dir, "..");
export const BUN = process.execPath;

export interface Server {
  name: string;
  url: string;
  /** API key the full chain requires (`Authorization: Bearer`), as the child printed it. */
  apiKey?: string;
  proc: Bun.Subprocess<"pipe", "pipe", "inherit">;
}

const children = new Set<Bun.Subprocess>();
process.on("exit", () => {
  for (const child of children) child.kill("SIGTERM");
});
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

/** Runs a child to completion (bounded by `timeoutMs`), tracked so an interrupted parent kills it. */
export async function runChild(cmd: string[], timeoutMs: number): Promise<{ out: string; err: string; cpuMicros: number }> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  children.add(proc);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  children.delete(proc);
  const u = proc.resourceUsage();
  return { out, err, cpuMicros: u ? Number(u.cpuTime.user + u.cpuTime.system) : 0 };
}

/**
 * Starts a server script and waits (≤ 30 s) for the JSON line with its URL (and API key, if any).
 * stdin stays open: closing it stops the child. `env` replaces the listed variables (undefined = unset).
 */
export async function startServer(name: string, script: string, env: Record<string, string | undefined>, bunFlags: string[] = []): Promise<Server> {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) childEnv[k] = v;
  const proc = Bun.spawn([BUN, ...bunFlags, resolve(BENCH_DIR, script)], { stdin: "pipe", stdout: "pipe", stderr: "inherit", env: childEnv });
  children.add(proc);
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = setTimeout(() => proc.kill(), 30_000);
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${name} exited before printing its URL`);
    text += new TextDecoder().decode(value);
  }
  clearTimeout(deadline);
  reader.releaseLock();
  const line = JSON.parse(text.slice(0, text.indexOf("\n")));
  return { name, url: line.url, apiKey: line.apiKey ?? undefined, proc };
}

export async function stopServer(server: Server): Promise<void> {
  server.proc.kill("SIGTERM");
  await Promise.race([server.proc.exited, Bun.sleep(10_000)]);
  children.delete(server.proc);
}

/** CPU time (user + system) a process has used, in µs, from /proc (clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Busy CPU time of the whole machine (all cores, steal included), in µs, from /proc/stat. */
function machineBusyMicros(): number {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).map(Number);
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = ticks as number[];
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * 10_000;
}

/**
 * Measures what a load run costs: the server's CPU and the CPU of everything else on the machine that is
 * neither the server nor the load generator ("foreign": other jobs on this shared box), as % of all cores.
 */
export async function measured<T>(server: Server, run: () => Promise<{ result: T; generatorMicros: number }>) {
  const cpu0 = cpuMicros(server.proc.pid), busy0 = machineBusyMicros(), t0 = performance.now();
  const { result, generatorMicros } = await run();
  const serverMicros = cpuMicros(server.proc.pid) - cpu0;
  const wallMicros = (performance.now() - t0) * 1000;
  const foreign = machineBusyMicros() - busy0 - serverMicros - generatorMicros;
  return { result, serverMicros, foreignPct: Math.max(0, Math.round((100 * foreign) / (wallMicros * nproc()))) };
}
