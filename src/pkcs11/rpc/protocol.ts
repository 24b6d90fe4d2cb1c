/**
 * Messages of the worker RPC. Requests and responses are plain data in the tagged binary
 * encoding of codec.ts (which keeps Uint8Array, Map and bigint), one message per frame
 * (see frames.ts). The relay sends requests; the worker answers each, in order.
 */
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
} from "../types.js";
import { decodeValue, encodeValue } from "./codec.js";
import { FRAME_HEADER_BYTES, FrameError, MAX_FRAME_BYTES } from "./frames.js";

type T = TokenSelector;

/** Each RPC method with its parameters and result. */
export interface Methods {
  /** Load the library and C_Initialize; `gen` is the write generation at start-up. */
  init: { params: { libPath: string }; result: LibraryInfo };
  /** C_Finalize; the worker exits after answering. */
  finalize: { params: Record<string, never>; result: null };
  /** No PKCS#11 call: measures the RPC itself. */
  ping: { params: Record<string, never>; result: null };
  libraryInfo: { params: Record<string, never>; result: LibraryInfo };
  listTokens: { params: Record<string, never>; result: TokenSummary[] };
  tokenInfo: { params: { token: T }; result: { slot: SlotInfo; token: TokenInfo } };
  /** Check `pin` with C_Logout + C_Login; on success it becomes the worker's known PIN. */
  verifyPin: { params: { token: T; pin: string }; result: { loginRequired: boolean } };
  /** Log in with a PIN already verified by the token (restarted workers, other workers). */
  restoreLogin: { params: { token: T; pin: string }; result: null };
  generateKeyPair: {
    params: { token: T; mechanism: Mechanism; publicTemplate: Attr[]; privateTemplate: Attr[] };
    result: null;
  };
  generateKey: { params: { token: T; mechanism: Mechanism; template: Attr[] }; result: null };
  createObject: { params: { token: T; template: Attr[] }; result: null };
  findObjects: {
    params: { token: T; template: Attr[]; max: number; attributes: number[] };
    result: AttrValues[];
  };
  getAttributes: { params: { token: T; ref: ObjectRef; types: number[] }; result: AttrValues };
  setAttributes: { params: { token: T; ref: ObjectRef; attrs: Attr[] }; result: null };
  destroyObject: { params: { token: T; ref: ObjectRef }; result: null };
  readDataObject: { params: { token: T; name: DataObjectName }; result: Uint8Array[] };
  writeDataObject: {
    params: { token: T; name: DataObjectName; value: Uint8Array; fresh?: boolean };
    result: null;
  };
  deleteDataObject: { params: { token: T; name: DataObjectName }; result: number };
  sign: {
    params: { token: T; ref: ObjectRef; mechanism: Mechanism; data: Uint8Array };
    result: Uint8Array;
  };
  /**
   * Several `sign` calls of one token in one frame (the relay groups the signs it sends a
   * worker in one event-loop turn): each item runs as `sign` would, in order, and has its
   * own outcome, so one failing item fails no other.
   */
  signMany: { params: { token: T; items: SignItem[] }; result: SignOutcome[] };
  verify: {
    params: {
      token: T;
      ref: ObjectRef;
      mechanism: Mechanism;
      data: Uint8Array;
      signature: Uint8Array;
    };
    result: boolean;
  };
  encrypt: {
    params: { token: T; ref: ObjectRef; mechanism: Mechanism; data: Uint8Array };
    result: Uint8Array;
  };
  decrypt: {
    params: { token: T; ref: ObjectRef; mechanism: Mechanism; data: Uint8Array };
    result: Uint8Array;
  };
  generateRandom: { params: { token: T; length: number }; result: Uint8Array };
  seedRandom: { params: { token: T; data: Uint8Array }; result: number };
  digest: { params: { token: T; mechanism: Mechanism; data: Uint8Array }; result: Uint8Array };
  digestKey: { params: { token: T; ref: ObjectRef; mechanism: Mechanism }; result: Uint8Array };
  /**
   * A multi-part Encrypt / Decrypt (worker/streams.ts): C_*Init on a session of its own and
   * the first part; `stream` names it in this worker only.
   */
  streamBegin: {
    params: { token: T; ref: ObjectRef; mechanism: Mechanism; decrypt: boolean; data: Uint8Array };
    result: { stream: number; output: Uint8Array };
  };
  /** C_EncryptUpdate / C_DecryptUpdate of one more part. */
  streamUpdate: { params: { stream: number; data: Uint8Array }; result: Uint8Array };
  /** The last part and C_EncryptFinal / C_DecryptFinal; closes the stream's session. */
  streamFinish: { params: { stream: number; data: Uint8Array }; result: Uint8Array };
  /** Closes the stream's session without a result. */
  streamAbort: { params: { stream: number }; result: null };
}

/** One item of `signMany`: the parameters of a `sign` call but the token. */
export interface SignItem {
  readonly ref: ObjectRef;
  readonly mechanism: Mechanism;
  readonly data: Uint8Array;
}

/** One item's outcome in a `signMany` answer. */
export type SignOutcome =
  | { readonly ok: true; readonly signature: Uint8Array }
  | { readonly ok: false; readonly error: WireError };

/** An RPC method name. */
export type Method = keyof Methods;

/** Methods that change token objects: they advance the write generation. */
export const WRITE_METHODS: ReadonlySet<Method> = new Set<Method>([
  "generateKeyPair",
  "generateKey",
  "createObject",
  "setAttributes",
  "destroyObject",
  "writeDataObject",
  "deleteDataObject",
]);

/**
 * A request. `gen` is the relay's write generation when the request was sent: a worker whose
 * view of the token is older refreshes it before trusting "not found" (SoftHSM2 2.6.1
 * multi-process caveat, docs/architecture.md).
 */
export interface Request {
  readonly id: number;
  readonly method: Method;
  readonly params: unknown;
  readonly gen: number;
}

/** Why a request failed, as data. */
export type WireError =
  | { readonly kind: "pkcs11"; readonly ckr: number; readonly fn: string; readonly message: string }
  | { readonly kind: "objectNotFound"; readonly message: string }
  | { readonly kind: "tokenNotFound"; readonly message: string };

/** A response to the request with the same id. */
export type Response =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** Serialises a message into one frame. */
export function encodeMessage(message: Request | Response): Buffer {
  const frame = encodeValue(message, FRAME_HEADER_BYTES);
  const length = frame.length - FRAME_HEADER_BYTES;
  if (length > MAX_FRAME_BYTES)
    throw new FrameError(`message of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
  frame.writeUInt32BE(length, 0);
  return frame;
}

function decodeObject(payload: Buffer): Record<string, unknown> {
  const value = decodeValue(payload);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FrameError("message is not an object");
  }
  const record = value as Record<string, unknown>;
  if (typeof record.id !== "number" || !Number.isSafeInteger(record.id)) {
    throw new FrameError("message has no integer id");
  }
  return record;
}

/** Decodes a request frame payload; throws FrameError when it is not one. */
export function decodeRequest(payload: Buffer): Request {
  const record = decodeObject(payload);
  if (typeof record.method !== "string" || typeof record.gen !== "number") {
    throw new FrameError("request lacks method or gen");
  }
  return record as unknown as Request;
}

/** Decodes a response frame payload; throws FrameError when it is not one. */
export function decodeResponse(payload: Buffer): Response {
  const record = decodeObject(payload);
  if (record.ok === true) return record as unknown as Response;
  const error = record.error as Record<string, unknown> | undefined;
  if (record.ok !== false || typeof error !== "object" || error === null) {
    throw new FrameError("response is neither a result nor an error");
  }
  if (typeof error.kind !== "string" || typeof error.message !== "string") {
    throw new FrameError("response error lacks kind or message");
  }
  if (error.kind === "pkcs11" && (typeof error.ckr !== "number" || typeof error.fn !== "string")) {
    throw new FrameError("PKCS#11 error lacks ckr or fn");
  }
  return record as unknown as Response;
}
