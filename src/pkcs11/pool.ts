/**
 * The set of worker processes: dispatches calls to the least loaded ready worker, queues
 * calls while none is ready, restarts workers that end (with back-off), detects crash loops,
 * and closes gracefully. See docs/architecture.md, "PKCS#11 worker processes".
 */
import { WorkerError } from "./errors.js";
import type { Pkcs11Logger } from "./logger.js";
import { type Method, type Methods, WRITE_METHODS } from "./rpc/protocol.js";
import { describeEnd, type WorkerEnd, WorkerProcess } from "./worker-process.js";

export interface PoolOptions {
  readonly mainPath: string;
  readonly libPath: string;
  readonly workers: number;
  readonly callTimeoutMs: number;
  /** Nice steps below the relay's own priority for each worker spawned (worker-priority.ts). */
  readonly workerNice: number;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Pkcs11Logger;
  readonly restartBackoffMs: { readonly initial: number; readonly max: number };
  readonly crashLoop: { readonly crashes: number; readonly windowMs: number };
  /** Prepares a fresh worker (e.g. logs it in) before it takes calls. */
  readonly prepare: (worker: WorkerProcess, gen: number) => Promise<void>;
}

/**
 * Calls sent to one worker before further calls wait in the pool's queue. Signs sent in one
 * event-loop turn share a frame (signMany, up to 32): a batch of 100 Sign items then costs a
 * few frames per worker instead of one per item.
 */
const MAX_PIPELINE = 32;
/** How long close() waits for calls in flight before killing workers. */
const CLOSE_GRACE_MS = 5_000;

type SlotState = "starting" | "ready" | "backoff" | "closed";

interface Slot {
  readonly index: number;
  state: SlotState;
  worker: WorkerProcess | undefined;
  restartTimer: NodeJS.Timeout | undefined;
  restarts: number;
}

interface Waiting {
  readonly send: (worker: WorkerProcess) => void;
  readonly fail: (error: Error) => void;
  /** When it fails unsent (performance.now() ms): queued at + the call timeout. */
  readonly deadline: number;
}

/** Per-worker and overall counters, for monitoring and tests. */
export interface SupervisorStats {
  readonly workers: ReadonlyArray<{
    readonly slot: number;
    readonly workerId: number | undefined;
    readonly pid: number | undefined;
    readonly state: SlotState;
    readonly inFlight: number;
    readonly calls: number;
    /** RPC frames answered: fewer than calls when signs were grouped (signMany). */
    readonly frames: number;
    readonly restarts: number;
  }>;
  readonly queued: number;
  readonly crashes: number;
  readonly crashLoop: boolean;
  readonly writeGeneration: number;
}

export class WorkerPool {
  private readonly opts: PoolOptions;
  private readonly slots: Slot[];
  private readonly queue: Waiting[] = [];
  /**
   * One timer for the whole queue, due at its head's deadline (every entry waits the same
   * call timeout, so deadlines follow queue order): a batch of 100 signs queues most of its
   * calls, and a timer each cost more than the rest of the queueing.
   */
  private queueTimer: NodeJS.Timeout | undefined;
  private readonly crashTimes: number[] = [];
  private crashes = 0;
  private nextWorkerId = 1;
  private gen = 0;
  private closing = false;
  private closed: Promise<void> = Promise.resolve();

  constructor(opts: PoolOptions) {
    this.opts = opts;
    this.slots = Array.from({ length: opts.workers }, (_, index) => ({
      index,
      state: "starting" as SlotState,
      worker: undefined,
      restartTimer: undefined,
      restarts: 0,
    }));
  }

  /** Starts every worker; resolves when at least one is ready, else rejects with the first error. */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.slots.map((slot) => this.bringUp(slot)));
    if (this.slots.some((slot) => slot.state === "ready")) return;
    await this.close();
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    throw failure?.reason ?? new WorkerError("unavailable", "no PKCS#11 worker could be started");
  }

  /** Runs a call on the least loaded ready worker (waiting for one if none is ready). */
  call<M extends Method>(method: M, params: Methods[M]["params"]): Promise<Methods[M]["result"]> {
    if (this.closing)
      return Promise.reject(new WorkerError("shutdown", "PKCS#11 client is closed"));
    const result = this.onAnyWorker((w) => w.call(method, params, this.gen));
    if (!WRITE_METHODS.has(method)) return result;
    const bump = (): void => {
      this.gen++;
    };
    result.then(bump, bump);
    return result;
  }

  /**
   * Runs a call and says on which worker: on worker `workerId` when given (a multi-part
   * operation lives in that worker; rejects with WorkerError "unavailable" when it has ended,
   * e.g. restarted), else on the worker `call` would pick.
   */
  callPinned<M extends Method>(
    method: M,
    params: Methods[M]["params"],
    workerId?: number,
  ): Promise<{ workerId: number; result: Methods[M]["result"] }> {
    if (this.closing)
      return Promise.reject(new WorkerError("shutdown", "PKCS#11 client is closed"));
    const run = (w: WorkerProcess) =>
      w.call(method, params, this.gen).then((result) => ({ workerId: w.id, result }));
    if (workerId === undefined) return this.onAnyWorker(run);
    const slot = this.slots.find((s) => s.worker?.id === workerId);
    const worker = slot?.state === "ready" ? slot.worker : undefined;
    if (worker === undefined || !worker.isUsable) {
      return Promise.reject(
        new WorkerError(
          "unavailable",
          `PKCS#11 worker ${workerId}, which held this multi-part operation, has ended`,
          workerId,
        ),
      );
    }
    return run(worker);
  }

  /** Runs a call on every ready worker; failures are ignored (a restarted worker is prepared anew). */
  async broadcast<M extends Method>(method: M, params: Methods[M]["params"]): Promise<void> {
    const ready = this.slots.filter((s) => s.state === "ready" && s.worker !== undefined);
    await Promise.allSettled(ready.map((s) => s.worker?.call(method, params, this.gen)));
  }

  /** Runs `run` on the least loaded ready worker, or queues it (calls already waiting go first). */
  private onAnyWorker<R>(run: (worker: WorkerProcess) => Promise<R>): Promise<R> {
    const worker = this.queue.length === 0 ? this.pick() : undefined;
    return worker !== undefined ? run(worker) : this.wait(run);
  }

  private wait<R>(run: (worker: WorkerProcess) => Promise<R>): Promise<R> {
    if (this.inCrashLoop()) {
      return Promise.reject(new WorkerError("unavailable", this.crashLoopMessage()));
    }
    return new Promise<R>((resolve, reject) => {
      const deadline = performance.now() + this.opts.callTimeoutMs;
      const entry: Waiting = { send: (w) => run(w).then(resolve, reject), fail: reject, deadline };
      this.queue.push(entry);
      if (this.queueTimer === undefined) this.armQueueTimer();
    });
  }

  private armQueueTimer(): void {
    const head = this.queue[0];
    if (head === undefined) return;
    const ms = Math.max(0, Math.ceil(head.deadline - performance.now()));
    this.queueTimer = setTimeout(() => this.expireQueue(), ms);
  }

  /** Fails the calls that waited their whole timeout for a worker. */
  private expireQueue(): void {
    this.queueTimer = undefined;
    const now = performance.now();
    while (this.queue.length > 0 && (this.queue[0]?.deadline ?? now) <= now) {
      this.queue
        .shift()
        ?.fail(
          new WorkerError(
            "unavailable",
            `no PKCS#11 worker ready within ${this.opts.callTimeoutMs} ms`,
          ),
        );
    }
    this.armQueueTimer();
  }

  private stopQueueTimerIfEmpty(): void {
    if (this.queue.length > 0 || this.queueTimer === undefined) return;
    clearTimeout(this.queueTimer);
    this.queueTimer = undefined;
  }

  /**
   * The ready worker with the fewest calls in flight, the lowest slot among equals. Calls one
   * at a time thus all go to the same worker, which stays warm (its code, key handles and
   * token data in the caches): P-256 Sign over 1 connection added 225 instead of 286 µs at
   * p50 (docs/performance.md, "Worker choice"). Concurrent calls still spread over all.
   */
  private pick(): WorkerProcess | undefined {
    let best: WorkerProcess | undefined;
    for (const slot of this.slots) {
      const w = slot.worker;
      if (slot.state !== "ready" || w === undefined || !w.isUsable || w.inFlight >= MAX_PIPELINE)
        continue;
      if (best === undefined || w.inFlight < best.inFlight) best = w;
    }
    return best;
  }

  private drainQueue(): void {
    while (this.queue.length > 0) {
      const worker = this.pick();
      if (worker === undefined) break;
      const entry = this.queue.shift();
      if (entry === undefined) break;
      entry.send(worker);
    }
    this.stopQueueTimerIfEmpty();
  }

  private failQueue(error: WorkerError): void {
    const failed = this.queue.splice(0);
    this.stopQueueTimerIfEmpty();
    for (const entry of failed) entry.fail(error);
  }

  private async bringUp(slot: Slot): Promise<void> {
    slot.state = "starting";
    const worker = new WorkerProcess({
      id: this.nextWorkerId++,
      mainPath: this.opts.mainPath,
      env: this.opts.env,
      callTimeoutMs: this.opts.callTimeoutMs,
      nice: this.opts.workerNice,
      logger: this.opts.logger,
      onEnd: (w, end) => this.onEnd(slot, w, end),
      onAnswer: () => {
        if (this.queue.length > 0) this.drainQueue();
      },
    });
    slot.worker = worker;
    try {
      await worker.call("init", { libPath: this.opts.libPath }, this.gen);
      await this.opts.prepare(worker, this.gen);
    } catch (error) {
      const detail = (error as Error).message;
      this.opts.logger.error({ worker: worker.id, err: detail }, "PKCS#11 worker failed to start");
      worker.kill("startup", `PKCS#11 worker ${worker.id} failed to start`);
      throw error;
    }
    if (this.closing || worker.isEnded) return;
    slot.state = "ready";
    this.opts.logger.info(
      { worker: worker.id, pid: worker.pid, slot: slot.index },
      "PKCS#11 worker ready",
    );
    this.drainQueue();
  }

  private onEnd(slot: Slot, worker: WorkerProcess, end: WorkerEnd): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    if (this.closing) {
      slot.state = "closed";
      return;
    }
    this.crashes++;
    const now = Date.now();
    this.crashTimes.push(now);
    while ((this.crashTimes[0] ?? now) < now - this.opts.crashLoop.windowMs)
      this.crashTimes.shift();
    const delay = this.backoff();
    this.opts.logger.error(
      { worker: worker.id, exit: describeEnd(end), killedFor: end.killedFor, restartInMs: delay },
      "PKCS#11 worker ended: restarting it",
    );
    slot.state = "backoff";
    if (this.inCrashLoop()) this.failQueue(new WorkerError("unavailable", this.crashLoopMessage()));
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      slot.restarts++;
      this.bringUp(slot).catch(() => {}); // a failed start ends the worker: onEnd retries
    }, delay);
  }

  /** No delay for an isolated crash; then doubling from `initial` up to `max`. */
  private backoff(): number {
    const recent = this.crashTimes.length;
    if (recent <= 1) return 0;
    const { initial, max } = this.opts.restartBackoffMs;
    return Math.min(max, initial * 2 ** Math.min(recent - 2, 20));
  }

  private inCrashLoop(): boolean {
    const now = Date.now();
    const recent = this.crashTimes.filter((t) => t >= now - this.opts.crashLoop.windowMs).length;
    return recent >= this.opts.crashLoop.crashes && !this.slots.some((s) => s.state === "ready");
  }

  private crashLoopMessage(): string {
    const { crashes, windowMs } = this.opts.crashLoop;
    return `PKCS#11 workers unavailable: ${crashes}+ worker failures within ${windowMs} ms (still retrying)`;
  }

  /** Stops taking calls, lets calls in flight finish (bounded), finalises and ends every worker. */
  async close(): Promise<void> {
    if (this.closing) return this.closed;
    this.closing = true;
    this.failQueue(new WorkerError("shutdown", "PKCS#11 client is closing"));
    for (const slot of this.slots)
      if (slot.restartTimer !== undefined) clearTimeout(slot.restartTimer);
    this.closed = Promise.all(this.slots.map((slot) => this.closeSlot(slot))).then(() => {});
    return this.closed;
  }

  private async closeSlot(slot: Slot): Promise<void> {
    const worker = slot.worker;
    slot.state = "closed";
    if (worker === undefined || worker.isEnded) return;
    const ended = new Promise<void>((resolve) => worker.whenEnded(resolve));
    const deadline = setTimeout(
      () => worker.kill("close", `PKCS#11 worker ${worker.id} killed at close`),
      CLOSE_GRACE_MS,
    );
    await worker.drained();
    worker.call("finalize", {}, this.gen).catch(() => {});
    await ended;
    clearTimeout(deadline);
  }

  /** Counters for monitoring and tests. */
  stats(): SupervisorStats {
    return {
      workers: this.slots.map((s) => ({
        slot: s.index,
        workerId: s.worker?.id,
        pid: s.worker?.pid,
        state: s.state,
        inFlight: s.worker?.inFlight ?? 0,
        calls: s.worker?.calls ?? 0,
        frames: s.worker?.frames ?? 0,
        restarts: s.restarts,
      })),
      queued: this.queue.length,
      crashes: this.crashes,
      crashLoop: this.inCrashLoop(),
      writeGeneration: this.gen,
    };
  }
}
