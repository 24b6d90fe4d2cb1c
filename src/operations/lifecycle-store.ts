/**
 * Where the KMIP lifecycle of token keys lives: on the token itself, one PKCS#11 data object
 * per KMIP object (CKO_DATA, CKA_TOKEN, CKA_PRIVATE, CKA_APPLICATION "kmip2pkcs11", CKA_LABEL
 * = the object's Unique Identifier, CKA_VALUE = the record of lifecycle-record.ts). SoftHSM2
 * refuses CKA_ID on data objects (CKR_ATTRIBUTE_TYPE_INVALID), hence the label.
 *
 * In front of the token, in the relay process, a bounded cache (oldest-used first out) of
 * UID -> record | none, filled on first use and written through on every change: a Sign on
 * a key already seen costs no PKCS#11 call for its State. This assumes ONE relay per token:
 * a second relay (or another tool) changing a record is not seen while the entry is cached.
 *
 * A key without a data object (made by another tool or by the incumbent relay) is Active
 * with no known dates (see {@link UNRECORDED}).
 */
import { State } from "../kmip/enums.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import type { DataObjectName, TokenSelector } from "../pkcs11/types.js";
import { decodeRecord, encodeRecord, type LifecycleRecord } from "./lifecycle-record.js";

/** CKA_APPLICATION of the relay's data objects. */
export const DATA_APPLICATION = "kmip2pkcs11";

/** Entries the cache holds by default. */
export const DEFAULT_CACHE_ENTRIES = 100_000;

/** The lifecycle of a key the relay has no record of: Active, dates unknown. */
export const UNRECORDED: LifecycleRecord = { state: State.Active };

/** Options of a {@link LifecycleStore}. */
export interface LifecycleStoreOptions {
  /** Most cached entries (default {@link DEFAULT_CACHE_ENTRIES}). */
  readonly capacity?: number;
  /** Milliseconds since the epoch (default Date.now; tests set the time). */
  readonly clock?: () => number;
}

/** A change of one record; it may do PKCS#11 work (Destroy) before returning the new record. */
export type RecordChange = (
  current: LifecycleRecord | undefined,
) => LifecycleRecord | Promise<LifecycleRecord>;

/** The data object holding the record of `uid`. */
function dataObjectName(uid: string): DataObjectName {
  return { application: DATA_APPLICATION, label: uid };
}

/** Lifecycle records of the relay's keys: token data objects behind a write-through cache. */
export class LifecycleStore {
  private readonly cache = new Map<string, LifecycleRecord | null>();
  private readonly reading = new Map<string, Promise<LifecycleRecord | null>>();
  private readonly changing = new Map<string, Promise<unknown>>();
  /**
   * Token selector (the KMIP Username as given: label, slot id or index) -> the token's
   * identity (serial number and label), so that the names of one token share one cache entry
   * per key: a record changed through one name must not stay stale under another.
   */
  private readonly tokenIds = new Map<TokenSelector, string>();
  private readonly resolving = new Map<TokenSelector, Promise<string>>();
  private readonly capacity: number;
  private readonly clock: () => number;

  constructor(
    private readonly client: Pkcs11Client,
    options: LifecycleStoreOptions = {},
  ) {
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_CACHE_ENTRIES);
    this.clock = options.clock ?? Date.now;
  }

  /** The current time as a KMIP Date-Time (whole seconds). */
  now(): bigint {
    return BigInt(Math.floor(this.clock() / 1000));
  }

  /** Entries cached now (for tests and monitoring). */
  get size(): number {
    return this.cache.size;
  }

  /** The record of `uid` on `token`, undefined when it has none (cached after the first read). */
  async read(token: TokenSelector, uid: string): Promise<LifecycleRecord | undefined> {
    const key = cacheKey(await this.tokenId(token), uid);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.touch(key, cached);
      return cached ?? undefined;
    }
    let pending = this.reading.get(key);
    if (pending === undefined) {
      pending = this.load(token, uid, key);
      this.reading.set(key, pending);
    }
    return (await pending) ?? undefined;
  }

  /**
   * The record of `uid` on `token` when the cache holds it (null: it has none), without a
   * promise; undefined when only {@link read} can tell.
   */
  cached(token: TokenSelector, uid: string): LifecycleRecord | null | undefined {
    const id = this.tokenIds.get(token);
    if (id === undefined) return undefined;
    const key = cacheKey(id, uid);
    const cached = this.cache.get(key);
    if (cached !== undefined) this.touch(key, cached);
    return cached;
  }

  /**
   * Writes the record of `uid` to the token, then to the cache. `fresh`: `uid` names an
   * object just created (a random CKA_ID), so no older copy can exist to be replaced.
   */
  async write(
    token: TokenSelector,
    uid: string,
    record: LifecycleRecord,
    opts: { fresh?: boolean } = {},
  ): Promise<void> {
    const key = cacheKey(await this.tokenId(token), uid);
    const how = opts.fresh === true ? { fresh: true } : undefined;
    try {
      await this.client.writeDataObject(token, dataObjectName(uid), encodeRecord(record), how);
    } catch (err) {
      this.cache.delete(key); // unknown now: the next read asks the token
      throw err;
    }
    this.remember(key, record);
  }

  /** Deletes every copy of the record of `uid` from the token, and forgets it. */
  async remove(token: TokenSelector, uid: string): Promise<void> {
    const key = cacheKey(await this.tokenId(token), uid);
    try {
      await this.client.deleteDataObject(token, dataObjectName(uid));
    } finally {
      this.cache.delete(key);
    }
  }

  /**
   * Reads, changes and writes the record of `uid`, one change of the same key at a time (two
   * concurrent Revokes of one key do not both start from the old State). Resolves to the new
   * record; when `change` throws, or returns the record it was given (or UNRECORDED), nothing
   * is written.
   */
  update(token: TokenSelector, uid: string, change: RecordChange): Promise<LifecycleRecord> {
    const id = this.tokenIds.get(token);
    if (id === undefined) {
      // Once the token's identity is known, changes queue in the order they were asked for.
      return Promise.resolve(this.tokenId(token)).then(() => this.update(token, uid, change));
    }
    const key = cacheKey(id, uid);
    const before = this.changing.get(key) ?? Promise.resolve();
    const run = before
      .catch(() => undefined)
      .then(async () => {
        const current = await this.read(token, uid);
        const next = await change(current);
        // A change that changed nothing (e.g. Activate of an Active key) writes nothing.
        if (next !== current && next !== UNRECORDED) await this.write(token, uid, next);
        return next;
      });
    this.changing.set(key, run);
    const forget = () => {
      if (this.changing.get(key) === run) this.changing.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  /** The identity of the token `token` names (its selector itself if the token will not say). */
  private tokenId(token: TokenSelector): Promise<string> | string {
    const known = this.tokenIds.get(token);
    if (known !== undefined) return known;
    let pending = this.resolving.get(token);
    if (pending === undefined) {
      pending = this.client
        .tokenInfo(token)
        .then(
          (info) => {
            const t = info?.token;
            return t === undefined ? `selector\u0001${token}` : `${t.serialNumber}\u0001${t.label}`;
          },
          () => `selector\u0001${token}`,
        )
        .then((id) => {
          if (this.tokenIds.size >= MAX_SELECTORS) this.tokenIds.clear();
          this.tokenIds.set(token, id);
          this.resolving.delete(token);
          return id;
        });
      this.resolving.set(token, pending);
    }
    return pending;
  }

  private async load(token: TokenSelector, uid: string, key: string) {
    try {
      const copies = await this.client.readDataObject(token, dataObjectName(uid));
      const record = newest(copies.map(decodeRecord));
      // A write that finished meanwhile is newer than what this read saw.
      if (!this.cache.has(key)) this.remember(key, record);
      return this.cache.get(key) ?? record;
    } finally {
      this.reading.delete(key);
    }
  }

  private touch(key: string, value: LifecycleRecord | null): void {
    this.cache.delete(key);
    this.cache.set(key, value);
  }

  private remember(key: string, value: LifecycleRecord | null): void {
    this.touch(key, value);
    if (this.cache.size > this.capacity) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

/**
 * The newest of the copies an interrupted write left (normally there is one, or none). Every
 * write moves the State forward in the enumeration's order (Pre-Active 1, Active 2,
 * Deactivated 3, Compromised 4, Destroyed 5, Destroyed Compromised 6: each transition of the
 * state diagram goes up, and a change that changes nothing writes nothing), so the highest
 * State is the latest write; within one State (Modify Attribute of a Pre-Active key's
 * Activation Date) the later Last Change Date.
 */
function newest(records: readonly LifecycleRecord[]): LifecycleRecord | null {
  let best: LifecycleRecord | null = null;
  for (const record of records) if (best === null || isNewer(record, best)) best = record;
  return best;
}

/** Higher State, or the same State changed later (a Pre-Active key's new Activation Date). */
function isNewer(a: LifecycleRecord, b: LifecycleRecord): boolean {
  if (a.state !== b.state) return a.state > b.state;
  return (a.lastChangeDate ?? 0n) > (b.lastChangeDate ?? 0n);
}

/** Token selectors remembered with their token's identity (a relay sees a handful). */
const MAX_SELECTORS = 256;

function cacheKey(tokenId: string, uid: string): string {
  return `${tokenId}\u0000${uid}`;
}
