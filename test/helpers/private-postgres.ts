/**
 * A private PostgreSQL server for outage tests: initdb + pg_ctl from /usr/lib/postgresql/<v>/bin into a
 * temp dir, on a free port of 127.0.0.1. Tests stop and start only this server, never the shared one.
 * As root (initdb refuses to run as root) the server runs as the `postgres` OS user via runuser.
 */
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PrivatePostgres {
  port: number;
  /** URL of its `postgres` database, user postgres, trust auth. */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server (if running) and deletes its files. */
  destroy(): Promise<void>;
}

function pgBin(tool: string): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, "bin", tool))) return join(root, v, "bin", tool);
  throw new Error(`${tool} not found under ${root}/*/bin: install the postgresql server package`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function run(cmd: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const argv = asRoot ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd;
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (${code}): ${err || out}`);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "private-pg-"));
  if (process.getuid?.() === 0) chownSync(dir, Number(Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim()), 0);
  const data = join(dir, "data");
  await run([pgBin("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const port = await freePort();
  let running = false;
  const start = async () => {
    // fsync stays on: the test counts what survived, and the point is what Postgres acknowledged.
    await run([pgBin("pg_ctl"), "-D", data, "-l", join(dir, "log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, "start"]);
    running = true;
  };
  const stop = async () => {
    await run([pgBin("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]);
    running = false;
  };
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy: async () => {
      if (running) await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
