/**
 * The relay's view of the HSM: every method runs in a PKCS#11 worker process (see
 * docs/architecture.md, "PKCS#11 worker processes"). Failures reject with:
 * - {@link Pkcs11Error} `{ckr, fn}` when a PKCS#11 function failed (e.g. CKR_PIN_INCORRECT
 *   from C_Login, CKR_KEY_FUNCTION_NOT_PERMITTED from C_SignInit);
 * - {@link ObjectNotFoundError} (a Pkcs11Error with ckr CKR_OBJECT_HANDLE_INVALID, fn
 *   C_FindObjects) when an ObjectRef matches no object;
 * - {@link TokenNotFoundError} (ckr CKR_TOKEN_NOT_PRESENT, fn C_GetSlotList) when no token
 *   matches the TokenSelector;
 * - Pkcs11Error with ckr CKR_ARGUMENTS_BAD when a template or mechanism could not be
 *   converted for the library;
 * - {@link WorkerError} when the worker crashed, timed out, or none is available.
 */
import type {
  ObjectNotFoundError,
  Pkcs11Error,
  TokenNotFoundError,
  WorkerError,
} from "./errors.js";
import type {
  Attr,
  AttrValues,
  DataObjectName,
  LibraryInfo,
  Mechanism,
  ObjectRef,
  SlotInfo,
  TokenInfo,
  TokenSelector,
  TokenSummary,
} from "./types.js";

export type { ObjectNotFoundError, Pkcs11Error, TokenNotFoundError, WorkerError };

/** Options of {@link Pkcs11Client.findObjects}. */
export interface FindOptions {
  /** At most this many objects are returned. */
  readonly max: number;
  /** CKA_* types to read from each match. */
  readonly attributes: readonly number[];
}

/**
 * A multi-part Encrypt / Decrypt held open in one worker (its own session): which worker,
 * and the stream's number there. Opaque to callers.
 */
export interface CipherStream {
  readonly workerId: number;
  readonly id: number;
}

/** How a data object is written. */
export interface DataObjectWrite {
  /**
   * The name is new (e.g. the record of a key just made with a random CKA_ID): no search for
   * older copies, hence no refresh of a possibly stale view (C_Finalize + C_Initialize), which
   * would cost more than the key generation itself.
   */
  readonly fresh?: boolean;
}

/** Parent-side PKCS#11 API; all data is plain and crosses the worker RPC. */
export interface Pkcs11Client {
  /** C_GetInfo. */
  libraryInfo(): Promise<LibraryInfo>;
  /** Slots holding a token, in slot-list order. */
  listTokens(): Promise<TokenSummary[]>;
  /** C_GetSlotInfo and C_GetTokenInfo of the selected token. */
  tokenInfo(token: TokenSelector): Promise<{ slot: SlotInfo; token: TokenInfo }>;
  /**
   * Verifies `pin` as the token's user PIN, on every call: a PIN equal to the last one the
   * token accepted is accepted without a token round trip, any other is checked by C_Login
   * (rejects with Pkcs11Error CKR_PIN_INCORRECT, fn C_Login, when wrong). A PIN the token
   * accepts becomes the one the workers use. Tokens without CKF_LOGIN_REQUIRED accept any.
   */
  login(token: TokenSelector, pin: string): Promise<void>;
  /**
   * A number that changes whenever a token accepted a PIN it had not accepted before: a
   * caller that remembers a verified credential re-verifies it after a change.
   */
  pinEpoch(): number;
  /** C_GenerateKeyPair; the caller sets CKA_ID (and CKA_TOKEN) in both templates. */
  generateKeyPair(
    token: TokenSelector,
    mechanism: Mechanism,
    publicTemplate: readonly Attr[],
    privateTemplate: readonly Attr[],
  ): Promise<void>;
  /** C_GenerateKey. */
  generateKey(token: TokenSelector, mechanism: Mechanism, template: readonly Attr[]): Promise<void>;
  /** C_CreateObject. */
  createObject(token: TokenSelector, template: readonly Attr[]): Promise<void>;
  /** Objects matching `template`: the requested attributes of each (null where unavailable). */
  findObjects(
    token: TokenSelector,
    template: readonly Attr[],
    opts: FindOptions,
  ): Promise<AttrValues[]>;
  /** C_GetAttributeValue; null where the value is unavailable (sensitive, invalid type). */
  getAttributes(
    token: TokenSelector,
    ref: ObjectRef,
    types: readonly number[],
  ): Promise<AttrValues>;
  /** C_SetAttributeValue. */
  setAttributes(token: TokenSelector, ref: ObjectRef, attrs: readonly Attr[]): Promise<void>;
  /** C_DestroyObject. */
  destroyObject(token: TokenSelector, ref: ObjectRef): Promise<void>;
  /**
   * CKA_VALUE of each data object on the token (CKO_DATA, CKA_TOKEN) with this
   * CKA_APPLICATION and CKA_LABEL: none, normally one, more only after an interrupted write.
   */
  readDataObject(token: TokenSelector, name: DataObjectName): Promise<Uint8Array[]>;
  /**
   * Replaces that data object by one (private, on the token) holding `value`: C_CreateObject
   * of the new one, then C_DestroyObject of the old ones (SoftHSM2 refuses to change a data
   * object's CKA_VALUE: CKR_ATTRIBUTE_READ_ONLY). An interruption in between leaves two
   * copies, never none. A possibly stale worker view is refreshed first, so every old copy
   * is found.
   */
  writeDataObject(
    token: TokenSelector,
    name: DataObjectName,
    value: Uint8Array,
    opts?: DataObjectWrite,
  ): Promise<void>;
  /** C_DestroyObject of every such data object; resolves to how many there were. */
  deleteDataObject(token: TokenSelector, name: DataObjectName): Promise<number>;
  /** C_SignInit + C_Sign (single part). */
  sign(
    token: TokenSelector,
    ref: ObjectRef,
    mechanism: Mechanism,
    data: Uint8Array,
  ): Promise<Uint8Array>;
  /** C_VerifyInit + C_Verify: false when the signature is invalid (CKR_SIGNATURE_INVALID/LEN_RANGE). */
  verify(
    token: TokenSelector,
    ref: ObjectRef,
    mechanism: Mechanism,
    data: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean>;
  /** C_EncryptInit + C_Encrypt (single part). */
  encrypt(
    token: TokenSelector,
    ref: ObjectRef,
    mechanism: Mechanism,
    data: Uint8Array,
  ): Promise<Uint8Array>;
  /** C_DecryptInit + C_Decrypt (single part). */
  decrypt(
    token: TokenSelector,
    ref: ObjectRef,
    mechanism: Mechanism,
    data: Uint8Array,
  ): Promise<Uint8Array>;
  /**
   * Multi-part Encrypt / Decrypt: C_EncryptInit (C_DecryptInit) on a session of its own in
   * one worker, and C_EncryptUpdate of `data`; resolves to the stream and the part's output.
   */
  streamBegin(
    token: TokenSelector,
    ref: ObjectRef,
    mechanism: Mechanism,
    decrypt: boolean,
    data: Uint8Array,
  ): Promise<{ stream: CipherStream; output: Uint8Array }>;
  /** C_EncryptUpdate / C_DecryptUpdate; a failure ends the stream. WorkerError when its worker ended. */
  streamUpdate(stream: CipherStream, data: Uint8Array): Promise<Uint8Array>;
  /** The last part and C_EncryptFinal / C_DecryptFinal; the stream ends either way. */
  streamFinish(stream: CipherStream, data: Uint8Array): Promise<Uint8Array>;
  /** Ends a stream without a result (closes its session); never rejects for a lost stream. */
  streamAbort(stream: CipherStream): Promise<void>;
  /** C_GenerateRandom. */
  generateRandom(token: TokenSelector, length: number): Promise<Uint8Array>;
  /** C_SeedRandom: mixes `data` into the token's RNG; resolves to the bytes taken. */
  seedRandom(token: TokenSelector, data: Uint8Array): Promise<number>;
  /** C_DigestInit + C_Digest (single part) with a hash mechanism (CKM_SHA256, ...). */
  digest(token: TokenSelector, mechanism: Mechanism, data: Uint8Array): Promise<Uint8Array>;
  /**
   * C_DigestInit + C_DigestKey + C_DigestFinal: the hash of a secret key's value, computed
   * inside the token (the key may be sensitive). For KMIP's Digest attribute.
   */
  digestKey(token: TokenSelector, ref: ObjectRef, mechanism: Mechanism): Promise<Uint8Array>;
  /** Graceful close: stop taking calls, drain, C_Finalize, workers exit. */
  close(): Promise<void>;
}
