/**
 * The worker's PKCS#11 state: the loaded library, token selection, one lazily opened session
 * per token, the user PINs the token accepted, and a cache of key handles. `run` executes one
 * operation with the recovery rules of docs/architecture.md.
 */
import pkcs11js from "pkcs11js";
import { CKA, CKF, CKR, CKU } from "../constants.js";
import { ObjectNotFoundError, TokenNotFoundError } from "../errors.js";
import type { ObjectRef, TokenSelector } from "../types.js";
import { slotIdString, toBuffer, trimPadded } from "./convert.js";

/** A resolved token: its slot handle, a map key for it, and whether it requires login. */
export interface Slot {
  readonly handle: Buffer;
  readonly key: string;
  readonly loginRequired: boolean;
}

/** What an operation works with. */
export interface OpContext {
  readonly slot: Slot;
  readonly session: Buffer;
}

/** Thrown by a lookup that found nothing while the worker's view may be stale. */
class StaleView extends Error {}

/** After this long without a refresh, "not found" triggers one (writers outside the relay). */
const STALE_AFTER_MS = 5_000;

const SESSION_LOST = new Set<number>([CKR.SESSION_HANDLE_INVALID, CKR.SESSION_CLOSED]);
const HANDLE_LOST = new Set<number>([CKR.OBJECT_HANDLE_INVALID, CKR.KEY_HANDLE_INVALID]);
/** Recoveries (with a retry each) per operation. */
const MAX_RECOVERIES = 2;
/** Pause before re-reading the token store, times the attempt number. */
const RECOVERY_PAUSE_MS = 5;

const LIBRARY_LOST = new Set<number>([
  CKR.GENERAL_ERROR,
  CKR.DEVICE_ERROR,
  CKR.DEVICE_REMOVED,
  CKR.TOKEN_NOT_PRESENT,
  CKR.SLOT_ID_INVALID,
  CKR.CRYPTOKI_NOT_INITIALIZED,
]);

/**
 * Single-part data calls whose CKR_GENERAL_ERROR is an answer about the data, not a lost
 * library: SoftHSM2 reports a wrong GCM tag or bad CBC padding that way, and re-initialising
 * the library for each bad ciphertext a client sends would be a cheap denial of service.
 */
const DATA_CALLS: ReadonlySet<string> = new Set(["C_Decrypt", "C_Encrypt", "C_Sign", "C_Verify"]);

/** The PKCS#11 return value of a pkcs11js error, or undefined for other errors. */
export function ckrOf(error: unknown): number | undefined {
  return error instanceof pkcs11js.Pkcs11Error ? error.code : undefined;
}

export class Runtime {
  private readonly p11 = new pkcs11js.PKCS11();
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  private readonly slots = new Map<TokenSelector, Slot>();
  private readonly sessions = new Map<string, Buffer>();
  private readonly handles = new Map<string, Buffer>();
  /** Known good user PIN per token selector (in memory only). */
  private readonly pins = new Map<TokenSelector, string>();
  /** Write generation of the relay when this worker last (re)initialised. */
  private viewGen = 0;
  private viewAt = 0;
  /** Write generation of the request being served. */
  private requestGen = 0;
  /** Count of refreshes (C_Finalize + C_Initialize) done because of a possibly stale view. */
  refreshes = 0;

  get module(): pkcs11js.PKCS11 {
    return this.p11;
  }

  /** Loads the library and initialises it with CKF_OS_LOCKING_OK. */
  load(libPath: string, gen: number): void {
    this.p11.load(libPath);
    this.initialize(gen);
  }

  /** Records the write generation carried by the current request. */
  setRequestGen(gen: number): void {
    this.requestGen = gen;
  }

  private initialize(gen: number): void {
    this.p11.C_Initialize({ flags: CKF.OS_LOCKING_OK });
    this.viewGen = gen;
    this.viewAt = Date.now();
  }

  /** C_Finalize + C_Initialize, dropping every session and handle, then logging in again. */
  reinitialize(): void {
    try {
      this.p11.C_Finalize();
    } catch {
      // already finalised or the library is confused: initialise anyway
    }
    this.slots.clear();
    this.sessions.clear();
    this.handles.clear();
    this.initialize(this.requestGen);
  }

  /** C_Finalize (worker shutdown). */
  finalize(): void {
    this.p11.C_Finalize();
  }

  /** Resolves a TokenSelector: token label, then decimal slot id, then slot index. */
  resolve(selector: TokenSelector): Slot {
    const cached = this.slots.get(selector);
    if (cached !== undefined) return cached;
    const handles = this.p11.C_GetSlotList(true);
    const infos = handles.map((handle) => ({ handle, info: this.p11.C_GetTokenInfo(handle) }));
    const match =
      infos.find((s) => trimPadded(s.info.label) === selector) ??
      (/^\d+$/u.test(selector)
        ? infos.find((s) => slotIdString(s.handle) === selector)
        : undefined) ??
      (/^\d+$/u.test(selector) ? infos[Number(selector)] : undefined);
    if (match === undefined) throw new TokenNotFoundError(`no token matches "${selector}"`);
    const slot: Slot = {
      handle: match.handle,
      key: match.handle.toString("hex"),
      loginRequired: (match.info.flags & CKF.LOGIN_REQUIRED) !== 0,
    };
    this.slots.set(selector, slot);
    return slot;
  }

  /** The token's session, opened (and logged in with the known PIN) if needed. */
  session(slot: Slot): Buffer {
    const open = this.sessions.get(slot.key);
    if (open !== undefined) return open;
    const session = this.p11.C_OpenSession(slot.handle, CKF.RW_SESSION | CKF.SERIAL_SESSION);
    this.sessions.set(slot.key, session);
    const pin = this.knownPin(slot);
    if (slot.loginRequired && pin !== undefined) this.loginWith(session, pin);
    return session;
  }

  /** Closes a token's session (e.g. after an interrupted operation) and forgets its handles. */
  dropSession(slot: Slot): void {
    const session = this.sessions.get(slot.key);
    this.sessions.delete(slot.key);
    this.forgetHandles(slot);
    if (session === undefined) return;
    try {
      this.p11.C_CloseSession(session);
    } catch {
      // the session is gone already
    }
  }

  /** C_Login as user; CKR_USER_ALREADY_LOGGED_IN counts as success. */
  loginWith(session: Buffer, pin: string): void {
    try {
      this.p11.C_Login(session, CKU.USER, pin);
    } catch (error) {
      if (ckrOf(error) !== CKR.USER_ALREADY_LOGGED_IN) throw error;
    }
  }

  /** Remembers a PIN the token accepted, for re-login after recovery (latest wins). */
  rememberPin(selector: TokenSelector, pin: string): void {
    this.pins.delete(selector);
    this.pins.set(selector, pin);
  }

  /** The PIN this token last accepted, whichever selector it was given under. */
  knownPin(slot: Slot): string | undefined {
    let pin: string | undefined;
    for (const [selector, candidate] of this.pins) {
      try {
        if (this.resolve(selector).key === slot.key) pin = candidate;
      } catch {
        // that selector matches no token any more
      }
    }
    return pin;
  }

  /** The handle of the object `ref`, from the cache or by C_FindObjects. */
  handleOf(ctx: OpContext, ref: ObjectRef): Buffer {
    const key = `${ctx.slot.key}:${ref.cls}:${Buffer.from(ref.id).toString("hex")}`;
    const cached = this.handles.get(key);
    if (cached !== undefined) return cached;
    const found = this.find(
      ctx.session,
      [
        { type: CKA.CLASS, value: ref.cls },
        { type: CKA.ID, value: toBuffer(ref.id) },
      ],
      1,
    );
    const handle = found[0];
    if (handle === undefined) {
      if (this.viewMayBeStale()) throw new StaleView();
      throw new ObjectNotFoundError(
        `no object with CKA_ID ${Buffer.from(ref.id).toString("hex")} and CKA_CLASS ${ref.cls}`,
      );
    }
    this.handles.set(key, handle);
    return handle;
  }

  /** Forgets every cached handle of a token (after a destroy). */
  forgetHandles(slot: Slot): void {
    for (const key of this.handles.keys()) if (key.startsWith(slot.key)) this.handles.delete(key);
  }

  /** C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal. */
  find(session: Buffer, template: pkcs11js.Template, max: number): Buffer[] {
    this.p11.C_FindObjectsInit(session, template);
    try {
      return this.p11.C_FindObjects(session, max);
    } finally {
      this.p11.C_FindObjectsFinal(session);
    }
  }

  /** True when another worker may have written since this worker's view was built. */
  viewMayBeStale(): boolean {
    return this.requestGen > this.viewGen || Date.now() - this.viewAt > STALE_AFTER_MS;
  }

  /** Signals that an empty search result may be due to a stale view (see handleOf). */
  staleIfEmpty(count: number): void {
    if (count === 0 && this.viewMayBeStale()) throw new StaleView();
  }

  /**
   * Runs `op` on the selected token. On failure the session is closed (an interrupted
   * operation must not leave it busy) and, once, the worker recovers and retries: a lost
   * session is reopened, a lost login restored, a lost device or library re-initialised, an
   * invalid cached handle looked up again, a possibly stale view refreshed.
   */
  run<R>(selector: TokenSelector, op: (ctx: OpContext) => R): R {
    let recoveries = 0;
    let refreshed = false;
    for (;;) {
      let slot: Slot | undefined;
      try {
        slot = this.resolve(selector);
        return op({ slot, session: this.session(slot) });
      } catch (error) {
        if (error instanceof StaleView && !refreshed) {
          refreshed = true;
          this.refreshes++;
          this.reinitialize();
        } else if (recoveries >= MAX_RECOVERIES || !this.recover(error, slot, recoveries)) {
          throw error instanceof StaleView ? new ObjectNotFoundError() : error;
        } else {
          recoveries++;
        }
      }
    }
  }

  /** Applies the recovery for `error`; false when it is not recoverable. */
  private recover(error: unknown, slot: Slot | undefined, attempt: number): boolean {
    if (error instanceof TokenNotFoundError) {
      // A token missing from a list read while another process writes the token store
      // (SoftHSM2) shows up again after a re-initialisation; a wrong selector does not.
      this.pause(attempt);
      this.reinitialize();
      return true;
    }
    const ckr = ckrOf(error);
    if (ckr === undefined) return false;
    if (slot !== undefined) this.dropSession(slot);
    const dataAnswer =
      ckr === CKR.GENERAL_ERROR &&
      error instanceof pkcs11js.Pkcs11Error &&
      DATA_CALLS.has(error.method);
    if (dataAnswer) return false;
    if (LIBRARY_LOST.has(ckr) || ckr === CKR.USER_PIN_NOT_INITIALIZED) {
      // A token "without a user PIN" is, on SoftHSM2, a token file read while another
      // process rewrites it (seen on C_Login under load): re-read it. A token really without
      // one answers the same after MAX_RECOVERIES.
      this.pause(attempt);
      this.reinitialize();
      return true;
    }
    return SESSION_LOST.has(ckr) || HANDLE_LOST.has(ckr) || ckr === CKR.USER_NOT_LOGGED_IN;
  }

  /** Gives a concurrent writer of the token store a moment before re-reading it. */
  private pause(attempt: number): void {
    Atomics.wait(this.sleeper, 0, 0, RECOVERY_PAUSE_MS * (attempt + 1));
  }
}
