/**
 * Sign calls grouped for one worker: the signs the relay sends a worker in one event-loop
 * turn (one token) travel as one `signMany` frame and come back as one answer with an
 * outcome per item (rpc/protocol.ts). Each caller still gets its own signature or error.
 */
import { WorkerError } from "./errors.js";
import type { Methods, SignItem, SignOutcome, WireError } from "./rpc/protocol.js";
import type { TokenSelector } from "./types.js";

/** Most sign calls in one signMany frame. */
export const MAX_SIGN_GROUP = 32;

/** Most data bytes in one signMany frame (large messages sign alone, far below the frame limit). */
export const MAX_GROUP_BYTES = 1024 * 1024;

interface SignWaiter {
  readonly resolve: (signature: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

/** The sign calls of one token waiting for the end of the event-loop turn. */
export class SignGroup {
  readonly items: SignItem[] = [];
  /** The data bytes of the calls so far. */
  bytes = 0;
  private readonly waiters: SignWaiter[] = [];

  constructor(
    readonly token: TokenSelector,
    /** The highest write generation of the calls (the worker refreshes a view older than it). */
    public gen: number,
  ) {}

  /** Adds a call; resolves with its signature once the group is answered. */
  add(params: Methods["sign"]["params"], gen: number): Promise<Uint8Array> {
    this.gen = Math.max(this.gen, gen);
    this.bytes += params.data.length;
    return new Promise((resolve, reject) => {
      this.items.push({ ref: params.ref, mechanism: params.mechanism, data: params.data });
      this.waiters.push({ resolve, reject });
    });
  }

  get size(): number {
    return this.items.length;
  }

  /** The only call, when the group holds one (it travels as a plain `sign`). */
  single(): { params: Methods["sign"]["params"]; waiter: SignWaiter } | undefined {
    const [item] = this.items;
    const [waiter] = this.waiters;
    if (this.items.length !== 1 || item === undefined || waiter === undefined) return undefined;
    return { params: { token: this.token, ...item }, waiter };
  }

  /** Hands each caller its outcome from a signMany answer (checked by checkOutcomes). */
  settle(result: unknown, fromWire: (error: WireError) => Error): void {
    (result as SignOutcome[]).forEach((outcome, i) => {
      if (outcome.ok) this.waiters[i]?.resolve(outcome.signature);
      else this.waiters[i]?.reject(fromWire(outcome.error));
    });
  }

  /**
   * Fails every call, as separate calls would fail: the first gets the frame's error (e.g.
   * its timeout), the others fail as crashed (killed with the worker).
   */
  fail(error: Error, workerId: number): void {
    this.waiters.forEach((w, i) => {
      const crashed = i > 0 && error instanceof WorkerError && error.kind !== "crashed";
      w.reject(crashed ? new WorkerError("crashed", error.message, workerId) : error);
    });
  }
}

/**
 * How many signs one frame may carry on a worker: the call timeout covers a whole frame, so a
 * frame must finish well within it even on a slow HSM (a network HSM at 400 ms a signature
 * gets frames of 6 with the default 10 s). Learned from the frames answered (an average of
 * the time per signature, which counts the round trip too, so it errs on the short side); one
 * sign per frame until the first answer.
 */
export class SignPace {
  private msPerSign = 0;

  constructor(private readonly callTimeoutMs: number) {}

  /** Most signs for the next frame. */
  get limit(): number {
    if (this.msPerSign <= 0) return 1;
    const fit = Math.floor(this.callTimeoutMs / 4 / this.msPerSign);
    return Math.max(1, Math.min(MAX_SIGN_GROUP, fit));
  }

  /** Records that a frame of `count` signs was answered `ms` after the worker could start it. */
  record(count: number, ms: number): void {
    const perSign = Math.max(ms, 0.001) / count;
    this.msPerSign = this.msPerSign === 0 ? perSign : 0.8 * this.msPerSign + 0.2 * perSign;
  }
}

/** Throws unless `result` is a signMany answer of `count` outcomes (else: a protocol error). */
export function checkOutcomes(result: unknown, count: number): void {
  const valid =
    Array.isArray(result) &&
    result.length === count &&
    result.every(
      (o: { ok?: unknown; signature?: unknown; error?: unknown }) =>
        (o?.ok === true && o.signature instanceof Uint8Array) ||
        (o?.ok === false && typeof o.error === "object" && o.error !== null),
    );
  if (!valid) throw new Error(`signMany answer is not ${count} outcomes`);
}
