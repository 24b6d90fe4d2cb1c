/**
 * Multi-part (streamed) Encrypt / Decrypt held open across RPC calls: KMIP 1.4 sections
 * 4.29-4.30 (Init Indicator, Correlation Value, Final Indicator) on PKCS#11's C_EncryptInit,
 * C_EncryptUpdate ..., C_EncryptFinal (and the Decrypt ones).
 *
 * Each stream has its own session, opened on the token's slot: an operation stays active on
 * its session until Final, so it cannot share the worker's session for that token. The
 * login is the application's, shared by all its sessions (PKCS#11 2.40 section 5.5), so
 * the new session is already logged in once the token's main session is. Final, a failure
 * of Update / Final, or an abort closes the session. A worker that ends, or re-initialises
 * the library, loses every stream: a later part finds no stream (CKR_OPERATION_NOT_INITIALIZED)
 * or a dead session (CKR_SESSION_HANDLE_INVALID), and the relay says so.
 *
 * Only the Init runs under Runtime.run (token, handle lookup, recovery): a failed Update or
 * Final is an answer about the data (a wrong GCM tag is CKR_GENERAL_ERROR in SoftHSM2), never
 * a reason to re-initialise the library.
 */
import pkcs11js from "pkcs11js";
import { CKF, CKR } from "../constants.js";
import type { Methods } from "../rpc/protocol.js";
import { copyBytes, toBuffer, toMechanism } from "./convert.js";
import type { Runtime } from "./runtime.js";

/** Streams one worker holds at once (the relay's own bounds are lower: cipher-streams.ts). */
const MAX_WORKER_STREAMS = 256;

/** Output room beyond the input: one AES block buffered by CBC, a GCM tag. */
const OUTPUT_MARGIN = 64;

interface OpenStream {
  readonly session: Buffer;
  readonly decrypt: boolean;
  /** Bytes given so far: GCM Decrypt (SoftHSM2) returns them all at Final. */
  taken: number;
}

const streams = new Map<number, OpenStream>();
let nextStream = 1;

function closeQuietly(rt: Runtime, session: Buffer): void {
  try {
    rt.module.C_CloseSession(session);
  } catch {
    // already closed (library re-initialised)
  }
}

/**
 * Runs one PKCS#11 call of a stream; a failure names that function (the relay tells a failed
 * C_DecryptFinal, e.g. a wrong GCM tag, from other failures).
 */
function named<R>(fn: string, call: () => R): R {
  try {
    return call();
  } catch (error) {
    if (!(error instanceof pkcs11js.Pkcs11Error)) throw error;
    throw new pkcs11js.Pkcs11Error(error.message, error.code, fn);
  }
}

function update(rt: Runtime, stream: OpenStream, data: Uint8Array): Uint8Array {
  // pkcs11js passes a NULL pointer for empty data, which SoftHSM2 refuses: skip the call.
  if (data.length === 0) return new Uint8Array(0);
  stream.taken += data.length;
  const out = Buffer.alloc(data.length + OUTPUT_MARGIN);
  const { session } = stream;
  return copyBytes(
    stream.decrypt
      ? named("C_DecryptUpdate", () => rt.module.C_DecryptUpdate(session, toBuffer(data), out))
      : named("C_EncryptUpdate", () => rt.module.C_EncryptUpdate(session, toBuffer(data), out)),
  );
}

function streamOf(id: number, fn: string): OpenStream {
  const stream = streams.get(id);
  if (stream === undefined) {
    throw new pkcs11js.Pkcs11Error(
      `no multi-part operation ${id} in this worker`,
      CKR.OPERATION_NOT_INITIALIZED,
      fn,
    );
  }
  return stream;
}

/** Opens a session, runs C_EncryptInit / C_DecryptInit and the first part. */
export function streamBegin(
  rt: Runtime,
  p: Methods["streamBegin"]["params"],
): Methods["streamBegin"]["result"] {
  if (streams.size >= MAX_WORKER_STREAMS) {
    throw new pkcs11js.Pkcs11Error(
      `${MAX_WORKER_STREAMS} multi-part operations already open in this worker`,
      CKR.SESSION_COUNT,
      "C_OpenSession",
    );
  }
  const session = rt.run(p.token, (ctx) => {
    const key = rt.handleOf(ctx, p.ref);
    const own = rt.module.C_OpenSession(ctx.slot.handle, CKF.RW_SESSION | CKF.SERIAL_SESSION);
    try {
      if (p.decrypt) rt.module.C_DecryptInit(own, toMechanism(p.mechanism), key);
      else rt.module.C_EncryptInit(own, toMechanism(p.mechanism), key);
    } catch (error) {
      closeQuietly(rt, own);
      throw error;
    }
    return own;
  });
  const stream: OpenStream = { session, decrypt: p.decrypt, taken: 0 };
  try {
    const output = update(rt, stream, p.data);
    const id = nextStream++;
    streams.set(id, stream);
    return { stream: id, output };
  } catch (error) {
    closeQuietly(rt, session);
    throw error;
  }
}

/** C_EncryptUpdate / C_DecryptUpdate of one more part; a failure ends the stream. */
export function streamUpdate(
  rt: Runtime,
  p: Methods["streamUpdate"]["params"],
): Methods["streamUpdate"]["result"] {
  const stream = streamOf(p.stream, "C_EncryptUpdate");
  try {
    return update(rt, stream, p.data);
  } catch (error) {
    streams.delete(p.stream);
    closeQuietly(rt, stream.session);
    throw error;
  }
}

/** The last part and C_EncryptFinal / C_DecryptFinal; the stream ends either way. */
export function streamFinish(
  rt: Runtime,
  p: Methods["streamFinish"]["params"],
): Methods["streamFinish"]["result"] {
  const stream = streamOf(p.stream, "C_EncryptFinal");
  streams.delete(p.stream);
  try {
    const last = update(rt, stream, p.data);
    const out = Buffer.alloc(stream.taken + OUTPUT_MARGIN);
    const { session } = stream;
    const final = copyBytes(
      stream.decrypt
        ? named("C_DecryptFinal", () => rt.module.C_DecryptFinal(session, out))
        : named("C_EncryptFinal", () => rt.module.C_EncryptFinal(session, out)),
    );
    const output = new Uint8Array(last.length + final.length);
    output.set(last);
    output.set(final, last.length);
    return output;
  } finally {
    closeQuietly(rt, stream.session);
  }
}

/** Ends a stream without a result (idle, connection closed); unknown ids are ignored. */
export function streamAbort(
  rt: Runtime,
  p: Methods["streamAbort"]["params"],
): Methods["streamAbort"]["result"] {
  const stream = streams.get(p.stream);
  streams.delete(p.stream);
  if (stream !== undefined) closeQuietly(rt, stream.session);
  return null;
}
