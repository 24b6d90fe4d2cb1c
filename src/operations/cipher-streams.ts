/**
 * The open multi-part Encrypt / Decrypt operations of one relay (KMIP 1.4 sections 2.1.15-
 * 2.1.17, 4.29-4.30): Correlation Value -> the PKCS#11 stream in its worker.
 *
 * - A Correlation Value is 16 random bytes (node:crypto's CSPRNG): an opaque handle that
 *   names nothing outside this table.
 * - A stream belongs to the token that opened it and, when the dispatcher names it, to the
 *   client connection: another token or connection gets the answer an unknown value gets.
 * - Bounds (STREAM_LIMITS, docs/operations.md): at most `perRelay` open streams, at most
 *   `perConnection` per connection; a stream idle for `idleMs` is closed (C_CloseSession in
 *   its worker). Closing the connection closes its streams. A stream whose worker restarted
 *   fails on its next part (cipher-stream-run.ts says so) and is forgotten.
 * - One part at a time: a part sent while another of the same stream is in flight is refused.
 */
import { randomBytes } from "node:crypto";
import { ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import type { CipherStream, Pkcs11Client } from "../pkcs11/client.js";
import type { TokenSelector } from "../pkcs11/types.js";
import type { CipherOperation, CipherPlan } from "./cipher-plan.js";
import type { OperationConnection } from "./types.js";

/** The relay's bounds on multi-part operations (not configurable). */
export const STREAM_LIMITS = { perRelay: 64, perConnection: 8, idleMs: 60_000 } as const;

/** The bounds a table enforces. */
export interface StreamLimits {
  readonly perRelay: number;
  readonly perConnection: number;
  readonly idleMs: number;
}

/** What a stream needs to know between parts. */
export interface StreamState {
  readonly op: CipherOperation;
  readonly uid: string;
  readonly plan: CipherPlan;
  /** Encrypt: tag bytes at the end of the Final's output; Decrypt GCM: the tag's length. */
  readonly tagBytes: number;
  readonly stream: CipherStream;
}

/** Who may continue a stream. */
export interface StreamOwner {
  readonly token: TokenSelector;
  readonly connection: OperationConnection | undefined;
}

interface Entry {
  readonly state: StreamState;
  readonly token: TokenSelector;
  readonly connectionId: number | undefined;
  timer: NodeJS.Timeout | undefined;
  busy: boolean;
}

/** Hex of a Correlation Value: the table's key. */
const keyOf = (value: Uint8Array): string => Buffer.from(value).toString("hex");

export class CipherStreams {
  private readonly entries = new Map<string, Entry>();
  private readonly watched = new Set<number>();

  constructor(
    private readonly client: Pkcs11Client,
    private readonly limits: StreamLimits = STREAM_LIMITS,
  ) {}

  /** Open streams (all connections). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Refuses a new stream beyond the bounds: Server Limit Exceeded (KMIP 2.x), General Failure
   * under a 1.x header (which has no such reason), naming the bound.
   */
  checkRoom(op: CipherOperation, owner: StreamOwner, major: number): void {
    const refuse = (what: string) =>
      new KmipError(
        major >= 2 ? ResultReason.ServerLimitExceeded : ResultReason.GeneralFailure,
        `${op}: ${what} (the relay's limit); finish one first`,
      );
    if (this.entries.size >= this.limits.perRelay) {
      throw refuse(`${this.limits.perRelay} multi-part operations are open in the relay`);
    }
    const id = owner.connection?.id;
    if (id === undefined) return;
    const mine = [...this.entries.values()].filter((e) => e.connectionId === id).length;
    if (mine >= this.limits.perConnection) {
      throw refuse(
        `${this.limits.perConnection} multi-part operations are open on this connection`,
      );
    }
  }

  /** Registers a stream the token has begun; returns its new Correlation Value. */
  add(state: StreamState, owner: StreamOwner): Uint8Array {
    const value = new Uint8Array(randomBytes(16));
    const connection = owner.connection;
    const entry: Entry = {
      state,
      token: owner.token,
      connectionId: connection?.id,
      timer: undefined,
      busy: false,
    };
    this.entries.set(keyOf(value), entry);
    this.arm(keyOf(value), entry);
    if (connection !== undefined && !this.watched.has(connection.id)) {
      this.watched.add(connection.id);
      connection.onClose(() => this.closeConnection(connection.id));
    }
    return value;
  }

  /**
   * The stream a Correlation Value names, marked busy until {@link release} or {@link end}.
   * @throws KmipError Invalid Field when it names no open stream of this owner and operation,
   *   or a part of it is in flight.
   */
  take(op: CipherOperation, correlation: Uint8Array, owner: StreamOwner): StreamState {
    const entry = this.entries.get(keyOf(correlation));
    const same =
      entry !== undefined &&
      entry.token === owner.token &&
      entry.connectionId === owner.connection?.id &&
      entry.state.op === op;
    if (!same) {
      throw kmipErrors.invalidField(
        `${op}: Correlation Value names no open multi-part ${op} of this client (finished, closed after ${this.limits.idleMs / 1000} s idle, or never opened here)`,
      );
    }
    if (entry.busy) {
      throw kmipErrors.invalidField(
        `${op}: a part of this multi-part operation is still in progress; send the parts one after another`,
      );
    }
    entry.busy = true;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
    return entry.state;
  }

  /** A part is done and more may follow: the idle clock starts again. */
  release(correlation: Uint8Array): void {
    const key = keyOf(correlation);
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    entry.busy = false;
    this.arm(key, entry);
  }

  /** The stream ended (Final, failure, lost worker): forgets it. */
  end(correlation: Uint8Array): void {
    const key = keyOf(correlation);
    const entry = this.entries.get(key);
    if (entry?.timer !== undefined) clearTimeout(entry.timer);
    this.entries.delete(key);
  }

  /** Closes every stream of a connection (it closed). */
  closeConnection(id: number): void {
    this.watched.delete(id);
    for (const [key, entry] of this.entries) {
      if (entry.connectionId === id) this.abort(key, entry);
    }
  }

  private arm(key: string, entry: Entry): void {
    entry.timer = setTimeout(() => this.abort(key, entry), this.limits.idleMs);
    entry.timer.unref();
  }

  private abort(key: string, entry: Entry): void {
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    this.entries.delete(key);
    this.client.streamAbort(entry.state.stream).catch(() => {});
  }
}

const tables = new WeakMap<Pkcs11Client, CipherStreams>();

/** The stream table of the relay that owns `client` (one per client, made on first use). */
export function streamsOf(client: Pkcs11Client): CipherStreams {
  let table = tables.get(client);
  if (table === undefined) {
    table = new CipherStreams(client);
    tables.set(client, table);
  }
  return table;
}
