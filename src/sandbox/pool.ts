/**
 * A bounded pool of instances of one plugin, with a bounded wait queue.
 *
 * Extism instances are not reentrant, so concurrency = instances. Instances are created lazily up to
 * `maxConcurrent`; past that, calls wait in FIFO order up to `maxQueue`, and the next one gets a clear "busy"
 * error instead of piling up unbounded memory and latency. A poisoned instance (trap, timeout) is closed
 * and the slot rebuilt from the cached compiled module.
 */
import { SandboxError } from "./errors.ts";
import type { SandboxInstance } from "./instance.ts";

interface Waiter<T> {
  resolve(instance: T): void;
  reject(err: unknown): void;
}

export interface PoolStats {
  live: number;
  idle: number;
  busy: number;
  queued: number;
  rebuilt: number;
}

/** Generic over what it pools: Extism instances in-process, child processes under process isolation (./process). */
export class InstancePool<T extends { close(): unknown } = SandboxInstance> {
  private readonly idle: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private live = 0;
  private rebuilt = 0;
  private closed = false;

  constructor(
    private readonly pluginName: string,
    private readonly create: () => Promise<T>,
    private readonly maxConcurrent: number,
    private readonly maxQueue: number,
  ) {}

  /** Seeds one instance so a plugin that cannot instantiate fails at load time, not on its first call. */
  async warm(): Promise<void> {
    this.live++;
    try {
      this.idle.push(await this.create());
    } catch (err) {
      this.live--;
      throw err;
    }
  }

  /** An idle instance right now, or undefined (then use acquire): saves a promise and a tick per call. */
  tryAcquire(): T | undefined {
    return this.closed ? undefined : this.idle.pop();
  }

  acquire(): Promise<T> {
    if (this.closed) return Promise.reject(new SandboxError("unavailable", `plugin "${this.pluginName}" was unloaded`));
    const instance = this.idle.pop();
    if (instance) return Promise.resolve(instance);
    if (this.live < this.maxConcurrent) return this.spawn();
    if (this.waiters.length >= this.maxQueue) {
      return Promise.reject(
        new SandboxError("busy", `plugin "${this.pluginName}" is busy: ${this.maxConcurrent} calls running and ${this.maxQueue} waiting; retry later`),
      );
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Returns an instance after a call; `healthy = false` discards it and rebuilds the slot if anyone waits. */
  release(instance: T, healthy: boolean): void {
    if (!healthy || this.closed) {
      this.live--;
      void instance.close();
      if (!this.closed) this.rebuilt++;
      const waiter = this.waiters.shift();
      if (waiter && !this.closed) this.spawn().then(waiter.resolve, waiter.reject);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(instance);
    else this.idle.push(instance);
  }

  /** Stops handing out instances; calls already running finish on theirs, which are then closed. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new SandboxError("unavailable", `plugin "${this.pluginName}" was unloaded`));
    }
    for (const instance of this.idle.splice(0)) {
      this.live--;
      void instance.close();
    }
  }

  stats(): PoolStats {
    return { live: this.live, idle: this.idle.length, busy: this.live - this.idle.length, queued: this.waiters.length, rebuilt: this.rebuilt };
  }

  private async spawn(): Promise<T> {
    this.live++;
    try {
      return await this.create();
    } catch (err) {
      this.live--;
      throw new SandboxError("unavailable", `plugin "${this.pluginName}" could not be instantiated: ${(err as Error).message}`);
    }
  }
}
