/**
 * One PKCS#11 worker child process seen from the relay: spawns it with the RPC pipe on fd 3,
 * pipelines requests to it, matches the in-order responses, enforces the call timeout,
 * logs its stdout/stderr line by line, and reports how it ended.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import { ObjectNotFoundError, Pkcs11Error, TokenNotFoundError, WorkerError } from "./errors.js";
import type { Pkcs11Logger } from "./logger.js";
import { FrameDecoder } from "./rpc/frames.js";
import {
  decodeResponse,
  encodeMessage,
  type Method,
  type Methods,
  type WireError,
} from "./rpc/protocol.js";

/** How a worker process ended, as reported to its owner once all its calls have failed. */
export interface WorkerEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the relay killed it: the call timed out, or it broke the protocol. */
  readonly killedFor: KillReason | undefined;
}

/** Why the relay killed a worker. */
export type KillReason = "timeout" | "protocol" | "startup" | "close";

export interface WorkerProcessOptions {
  readonly id: number;
  readonly mainPath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly callTimeoutMs: number;
  readonly logger: Pkcs11Logger;
  readonly onEnd: (worker: WorkerProcess, end: WorkerEnd) => void;
  /** Called after each answered call (the worker has room for another). */
  readonly onAnswer: () => void;
}

interface Pending {
  readonly id: number;
  readonly method: Method;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** Longest stdout/stderr line logged as is (longer lines are cut). */
const MAX_LOG_LINE = 4096;

/** Rebuilds the typed error of a failed call. */
export function fromWire(error: WireError): Error {
  switch (error.kind) {
    case "objectNotFound":
      return new ObjectNotFoundError(error.message);
    case "tokenNotFound":
      return new TokenNotFoundError(error.message);
    case "pkcs11":
      return new Pkcs11Error(error.ckr, error.fn, error.message);
  }
}

/** Describes an exit for messages: `SIGSEGV` or `exit code 1`. */
export function describeEnd(end: { code: number | null; signal: NodeJS.Signals | null }): string {
  return end.signal ?? `exit code ${end.code ?? "unknown"}`;
}

export class WorkerProcess {
  readonly id: number;
  private readonly child: ChildProcess;
  private readonly channel: Socket;
  private readonly decoder = new FrameDecoder();
  private readonly pending: Pending[] = [];
  private readonly opts: WorkerProcessOptions;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private killedFor: WorkerEnd["killedFor"];
  private ended = false;
  private readonly endWaiters: Array<() => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  /** Calls answered so far. */
  calls = 0;
  private readonly flush = (): void => {
    this.channel.uncork();
  };

  constructor(opts: WorkerProcessOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.child = spawn(process.execPath, [opts.mainPath], {
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      env: opts.env,
    });
    this.channel = this.child.stdio[3] as Socket;
    this.channel.on("data", (chunk: Buffer) => this.onData(chunk));
    this.channel.on("error", () => {}); // the exit is what counts
    this.logLines(this.child.stdout, "stdout");
    this.logLines(this.child.stderr, "stderr");
    this.child.on("error", (error) => {
      opts.logger.error(
        { worker: this.id, err: error.message },
        "PKCS#11 worker could not be spawned",
      );
      this.finish({ code: null, signal: null, killedFor: this.killedFor });
    });
    this.child.on("close", (code, signal) =>
      this.finish({ code, signal, killedFor: this.killedFor }),
    );
  }

  /** Process id, when spawned. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Calls sent and not yet answered. */
  get inFlight(): number {
    return this.pending.length;
  }

  /** True while the worker can take calls (not ended, not being killed). */
  get isUsable(): boolean {
    return !this.ended && this.killedFor === undefined;
  }

  /** True once the process has ended. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Sends a request; resolves with its result or rejects with a typed error. */
  call<M extends Method>(
    method: M,
    params: Methods[M]["params"],
    gen: number,
  ): Promise<Methods[M]["result"]> {
    if (!this.isUsable) {
      return Promise.reject(
        new WorkerError("crashed", `PKCS#11 worker ${this.id} is gone`, this.id),
      );
    }
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.push({ id, method, resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.length === 1) this.armTimer();
      // Requests sent in the same event-loop turn leave in one write: those of every
      // connection whose data arrived in this turn's I/O callbacks, not only this tick's
      // (setImmediate runs right after the poll phase; nextTick would flush per callback).
      if (this.channel.writableCorked === 0) {
        this.channel.cork();
        setImmediate(this.flush);
      }
      this.channel.write(encodeMessage({ id, method, params, gen }));
    });
  }

  /** Kills the process; its calls fail at once with the given kind. */
  kill(reason: KillReason, message: string): void {
    if (this.ended) return;
    this.killedFor ??= reason;
    this.child.kill("SIGKILL");
    const kind = reason === "close" ? "shutdown" : reason === "startup" ? "unavailable" : reason;
    this.failAll(
      (p, i) => new WorkerError(i === 0 ? kind : "crashed", `${message} (${p.method})`, this.id),
    );
  }

  /** Calls `callback` once the process has ended. */
  whenEnded(callback: () => void): void {
    if (this.ended) callback();
    else this.endWaiters.push(callback);
  }

  /** Resolves when no call is in flight. */
  drained(): Promise<void> {
    if (this.pending.length === 0 || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private notifyDrained(): void {
    for (const waiter of this.drainWaiters.splice(0)) waiter();
  }

  private armTimer(): void {
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.onTimeout(), this.opts.callTimeoutMs);
      this.timer.unref();
    } else {
      this.timer.refresh();
    }
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onTimeout(): void {
    const head = this.pending[0];
    if (head === undefined) return;
    const ms = this.opts.callTimeoutMs;
    this.opts.logger.error(
      { worker: this.id, method: head.method, timeoutMs: ms },
      "PKCS#11 call timed out: killing worker",
    );
    this.kill("timeout", `PKCS#11 worker ${this.id} killed: call timed out after ${ms} ms`);
  }

  private onData(chunk: Buffer): void {
    try {
      for (const payload of this.decoder.push(chunk)) {
        const response = decodeResponse(payload);
        const head = this.pending.shift();
        if (head === undefined || head.id !== response.id) {
          throw new Error(`response ${response.id} does not match request ${head?.id ?? "none"}`);
        }
        this.calls++;
        if (this.pending.length > 0) this.armTimer();
        else this.stopTimer();
        if (response.ok) head.resolve(response.result);
        else head.reject(fromWire(response.error));
        if (this.pending.length === 0) this.notifyDrained();
      }
      this.opts.onAnswer();
    } catch (error) {
      const detail = (error as Error).message;
      this.opts.logger.error(
        { worker: this.id, err: detail },
        "PKCS#11 worker broke the RPC protocol: killing it",
      );
      this.kill("protocol", `PKCS#11 worker ${this.id} killed: malformed response: ${detail}`);
    }
  }

  private failAll(errorFor: (p: Pending, index: number) => Error): void {
    this.stopTimer();
    const failed = this.pending.splice(0);
    failed.forEach((p, i) => {
      p.reject(errorFor(p, i));
    });
    this.notifyDrained();
  }

  private finish(end: WorkerEnd): void {
    if (this.ended) return;
    this.ended = true;
    const message = `PKCS#11 worker ${this.id} crashed: ${describeEnd(end)}`;
    this.failAll((p) => new WorkerError("crashed", `${message} (${p.method})`, this.id));
    this.channel.destroy();
    this.opts.onEnd(this, end);
    for (const waiter of this.endWaiters.splice(0)) waiter();
  }

  private logLines(stream: Readable | null, name: "stdout" | "stderr"): void {
    if (stream === null) return;
    let partial = "";
    const log = (line: string): void => {
      if (line.length === 0) return;
      this.opts.logger.warn(
        { worker: this.id, stream: name, line: line.slice(0, MAX_LOG_LINE) },
        "PKCS#11 worker output",
      );
    };
    stream.setEncoding("utf8");
    stream.on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) log(line.replace(/\r$/u, ""));
      if (partial.length > MAX_LOG_LINE) {
        log(partial);
        partial = "";
      }
    });
    stream.on("end", () => log(partial));
  }
}
