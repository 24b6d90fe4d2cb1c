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
import { checkOutcomes, MAX_GROUP_BYTES, SignGroup, SignPace } from "./sign-group.js";
import { lowerPriority } from "./worker-priority.js";

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
  /** Nice steps below the relay's priority (0: the same). */
  readonly nice: number;
  readonly logger: Pkcs11Logger;
  readonly onEnd: (worker: WorkerProcess, end: WorkerEnd) => void;
  /** Called after each answered call (the worker has room for another). */
  readonly onAnswer: () => void;
}

interface Pending {
  readonly id: number;
  readonly method: Method;
  /** Calls this frame answers: 1, or a signMany's items. */
  readonly count: number;
  /** When it was written (performance.now()). */
  readonly sentAt: number;
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
  /** Frames answered so far (a signMany frame answers several calls). */
  frames = 0;
  /** Calls sent or grouped and not answered yet. */
  private callsPending = 0;
  private group: SignGroup | undefined;
  private readonly pace: SignPace;
  /** When the last answer arrived: a frame's worker time starts then or when it was sent. */
  private lastAnswerAt = 0;
  private readonly flush = (): void => {
    this.sendGroup();
    this.channel.uncork();
  };

  constructor(opts: WorkerProcessOptions) {
    this.opts = opts;
    this.pace = new SignPace(opts.callTimeoutMs);
    this.id = opts.id;
    this.child = spawn(process.execPath, [opts.mainPath], {
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      env: opts.env,
    });
    if (this.child.pid !== undefined) lowerPriority(this.child.pid, opts.nice, opts.logger);
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

  /** Calls sent (or about to be) and not yet answered. */
  get inFlight(): number {
    return this.callsPending;
  }

  /** True while the worker can take calls (not ended, not being killed). */
  get isUsable(): boolean {
    return !this.ended && this.killedFor === undefined;
  }

  /** True once the process has ended. */
  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Sends a request; resolves with its result or rejects with a typed error. Sign calls of
   * one token made in the same event-loop turn leave as one signMany frame (each keeps its
   * own result or error); any other call first sends the signs before it, keeping the order.
   */
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
    // Requests sent in the same event-loop turn leave in one write: those of every
    // connection whose data arrived in this turn's I/O callbacks, not only this tick's
    // (setImmediate runs right after the poll phase; nextTick would flush per callback).
    if (this.channel.writableCorked === 0) {
      this.channel.cork();
      setImmediate(this.flush);
    }
    this.callsPending++;
    if (method === "sign") {
      return this.groupSign(params as Methods["sign"]["params"], gen) as Promise<
        Methods[M]["result"]
      >;
    }
    this.sendGroup();
    return new Promise((resolve, reject) => {
      this.send(method, params, gen, 1, resolve as (v: unknown) => void, reject);
    });
  }

  private send(
    method: Method,
    params: unknown,
    gen: number,
    count: number,
    resolve: (value: unknown) => void,
    reject: (error: Error) => void,
  ): void {
    const id = this.nextId++;
    let frame: Buffer;
    try {
      frame = encodeMessage({ id, method, params, gen } as const);
    } catch (error) {
      // Too large a frame (FrameError): only these calls fail, nothing is sent.
      this.callsPending -= count;
      reject(error as Error);
      if (this.callsPending === 0) this.notifyDrained();
      return;
    }
    this.pending.push({ id, method, count, sentAt: performance.now(), resolve, reject });
    if (this.pending.length === 1) this.armTimer();
    this.channel.write(frame);
  }

  private groupSign(params: Methods["sign"]["params"], gen: number): Promise<Uint8Array> {
    const open = this.group;
    const fits = open !== undefined && open.bytes + params.data.length <= MAX_GROUP_BYTES;
    if (open !== undefined && (open.token !== params.token || !fits)) this.sendGroup();
    const group = this.group ?? new SignGroup(params.token, gen);
    this.group = group;
    const signature = group.add(params, gen);
    if (group.size >= this.pace.limit) this.sendGroup();
    return signature;
  }

  /** Sends the grouped signs: one `sign` frame for one, a `signMany` frame for several. */
  private sendGroup(): void {
    const group = this.group;
    if (group === undefined) return;
    this.group = undefined;
    const single = group.single();
    if (single !== undefined) {
      const resolve = single.waiter.resolve as (value: unknown) => void;
      this.send("sign", single.params, group.gen, 1, resolve, single.waiter.reject);
      return;
    }
    const params = { token: group.token, items: group.items };
    const settle = (result: unknown): void => group.settle(result, fromWire);
    const fail = (error: Error): void => group.fail(error, this.id);
    this.send("signMany", params, group.gen, group.items.length, settle, fail);
  }

  /** Kills the process; its calls fail at once with the given kind. */
  kill(reason: KillReason, message: string): void {
    if (this.ended) return;
    this.killedFor ??= reason;
    this.child.kill("SIGKILL");
    const kind = reason === "close" ? "shutdown" : reason === "startup" ? "unavailable" : reason;
    this.failAll(
      (method, i) => new WorkerError(i === 0 ? kind : "crashed", `${message} (${method})`, this.id),
    );
  }

  /** Calls `callback` once the process has ended. */
  whenEnded(callback: () => void): void {
    if (this.ended) callback();
    else this.endWaiters.push(callback);
  }

  /** Resolves when no call is in flight. */
  drained(): Promise<void> {
    if (this.callsPending === 0 || this.ended) return Promise.resolve();
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
        const head = this.pending[0];
        if (head === undefined || head.id !== response.id) {
          throw new Error(`response ${response.id} does not match request ${head?.id ?? "none"}`);
        }
        if (response.ok && head.method === "signMany") checkOutcomes(response.result, head.count);
        this.pending.shift();
        this.calls += head.count;
        this.callsPending -= head.count;
        this.frames++;
        const now = performance.now();
        if (head.method === "sign" || head.method === "signMany") {
          this.pace.record(head.count, now - Math.max(head.sentAt, this.lastAnswerAt));
        }
        this.lastAnswerAt = now;
        if (this.pending.length > 0) this.armTimer();
        else this.stopTimer();
        if (response.ok) head.resolve(response.result);
        else head.reject(fromWire(response.error));
        if (this.callsPending === 0) this.notifyDrained();
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

  private failAll(errorFor: (method: Method, index: number) => Error): void {
    this.stopTimer();
    const failed = this.pending.splice(0);
    failed.forEach((p, i) => {
      p.reject(errorFor(p.method, i));
    });
    // Signs not sent yet (the worker ended within this event-loop turn).
    const group = this.group;
    this.group = undefined;
    group?.fail(errorFor("sign", failed.length), this.id);
    this.callsPending = 0;
    this.notifyDrained();
  }

  private finish(end: WorkerEnd): void {
    if (this.ended) return;
    this.ended = true;
    const message = `PKCS#11 worker ${this.id} crashed: ${describeEnd(end)}`;
    this.failAll((method) => new WorkerError("crashed", `${message} (${method})`, this.id));
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
