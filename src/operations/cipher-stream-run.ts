/**
 * Multi-part (streamed) Encrypt and Decrypt (KMIP 1.4 sections 2.1.15-2.1.17 and 4.29-4.30;
 * KMIP 2.1 sections 6.1.18 and 6.1.13): the request's Init Indicator, Correlation Value and
 * Final Indicator drive one PKCS#11 operation held open in one worker (cipher-streams.ts,
 * src/pkcs11/worker/streams.ts).
 *
 * - Init Indicator true (without Final Indicator true): C_EncryptInit / C_DecryptInit with the
 *   request's key, parameters, IV and Additional Data, then C_*Update of its Data (optional in
 *   multi-part requests). The response carries the part's output, a generated IV if any, and
 *   the Correlation Value (only in this first response, section 2.1.15).
 * - Correlation Value: the next part (C_*Update); with Final Indicator true, the last part and
 *   C_*Final. Encrypt's final response carries the Authenticated Encryption Tag (GCM); a GCM
 *   Decrypt takes the tag with its final part. A Unique Identifier, if given, must be the
 *   stream's key; Cryptographic Parameters, IV and Additional Data of later parts are not used
 *   (the operation was set up at Init).
 * - Offered for GCM, CBC (with or without PKCS5 padding) and ECB without padding: the token
 *   does the whole operation. Not for ECB with PKCS5 padding (the relay pads the whole
 *   message itself) nor RSA OAEP (single-part in PKCS#11): Feature Not Supported.
 * - Output per part is the token's: SoftHSM2 returns GCM plaintext only at the Final, after
 *   the tag is checked; CBC holds back the last block until the Final.
 * - Any failed part ends the operation (its session is closed); the client starts again.
 */

import { ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import type { ItemOf } from "../kmip/item.js";
import { optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { CKR, ckrName } from "../pkcs11/constants.js";
import { Pkcs11Error, WorkerError } from "../pkcs11/errors.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import {
  type CipherCall,
  cipherCall,
  DECRYPT_FAILED,
  explainCipherFailure,
} from "./cipher-call.js";
import type { CipherOperation, CipherPlan } from "./cipher-plan.js";
import type { CipherRun } from "./cipher-run.js";
import { type StreamOwner, type StreamState, streamsOf } from "./cipher-streams.js";
import { requireToken } from "./keys.js";
import type { OperationContext } from "./types.js";

/** How a request takes part in a multi-part operation. */
export type StreamPart =
  | { readonly kind: "single" }
  | { readonly kind: "begin" }
  | { readonly kind: "next"; readonly correlation: Uint8Array; readonly final: boolean };

/** Reads Init Indicator, Correlation Value and Final Indicator. */
export function readStreamPart(payload: ItemOf<"Structure">, op: CipherOperation): StreamPart {
  const init = optional(payload, Tag.InitIndicator, "Boolean");
  const final = optional(payload, Tag.FinalIndicator, "Boolean");
  const correlation = optional(payload, Tag.CorrelationValue, "ByteString");
  if (correlation !== undefined) {
    if (init === true) {
      throw kmipErrors.invalidField(
        `${op}: Init Indicator true starts a new multi-part operation and takes no Correlation Value`,
      );
    }
    return { kind: "next", correlation, final: final === true };
  }
  if (init === true) return final === true ? { kind: "single" } : { kind: "begin" };
  if (init === false || final === false) {
    throw kmipErrors.invalidField(
      `${op}: Init Indicator false or Final Indicator false is a later part of a multi-part operation and needs its Correlation Value`,
    );
  }
  return { kind: "single" };
}

/** Where the stream's key is. */
export interface StreamKey {
  readonly token: TokenSelector;
  readonly uid: string;
  readonly ref: ObjectRef;
}

const ownerOf = (ctx: OperationContext, token: TokenSelector): StreamOwner => ({
  token,
  connection: ctx.connection,
});

const dataOf = (payload: ItemOf<"Structure">): Uint8Array =>
  optional(payload, Tag.Data, "ByteString") ?? new Uint8Array(0);

/** ECB with PKCS5 padding (padded by the relay) and RSA OAEP cannot be streamed. */
function refuseUnstreamable(op: CipherOperation, plan: CipherPlan): void {
  const why =
    plan.kind === "OAEP"
      ? "RSA OAEP is single-part in PKCS#11"
      : plan.kind === "ECB" && plan.padded
        ? "the relay adds and removes ECB's PKCS5 padding over the whole message"
        : undefined;
  if (why !== undefined) {
    throw kmipErrors.notSupported(`${op}: multi-part ${plan.kind} is not offered: ${why}`);
  }
}

/**
 * The mechanism for the whole stream. Block-size rules apply to the whole message, which the
 * token checks at the Final, so the plan is checked with one block of stand-in data (and, for
 * a GCM Decrypt, a stand-in tag of the planned length: the real one comes with the last part).
 */
function streamCall(op: CipherOperation, plan: CipherPlan, payload: ItemOf<"Structure">) {
  if (optional(payload, Tag.AuthenticatedEncryptionTag, "ByteString") !== undefined) {
    throw kmipErrors.invalidField(
      `${op}: Authenticated Encryption Tag ${op === "Encrypt" ? "is an output of Encrypt" : "comes with the final part"}`,
    );
  }
  const standIn = {
    data: new Uint8Array(16),
    iv: optional(payload, Tag.IVCounterNonce, "ByteString"),
    aad: optional(payload, Tag.AuthenticatedEncryptionAdditionalData, "ByteString"),
    tag: op === "Decrypt" && plan.kind === "GCM" ? new Uint8Array(plan.tagBytes) : undefined,
  };
  return cipherCall(op, plan, standIn);
}

/** Starts a stream (Init Indicator true). */
export async function beginStream(
  op: CipherOperation,
  payload: ItemOf<"Structure">,
  ctx: OperationContext,
  key: StreamKey,
  plan: CipherPlan,
): Promise<CipherRun> {
  const client = ctx.client;
  refuseUnstreamable(op, plan);
  const call = streamCall(op, plan, payload);
  const streams = streamsOf(client);
  const owner = ownerOf(ctx, key.token);
  streams.checkRoom(op, owner, ctx.version.major);
  const begun = await client
    .streamBegin(key.token, key.ref, call.mechanism, op === "Decrypt", dataOf(payload))
    .catch((err: unknown) => explainStreamFailure(err, op, plan));
  const tagBytes = plan.kind === "GCM" ? plan.tagBytes : 0;
  const state: StreamState = { op, uid: key.uid, plan, tagBytes, stream: begun.stream };
  const correlation = streams.add(state, owner);
  return { uid: key.uid, call: { ...call, tagBytes: 0 }, output: begun.output, correlation };
}

/** The last part's bytes for the token: a GCM Decrypt appends the tag. */
function lastPart(op: CipherOperation, state: StreamState, payload: ItemOf<"Structure">) {
  const data = dataOf(payload);
  const tag = optional(payload, Tag.AuthenticatedEncryptionTag, "ByteString");
  if (op === "Encrypt" || state.plan.kind !== "GCM") {
    if (tag !== undefined) {
      throw kmipErrors.invalidField(
        `${op}: Authenticated Encryption Tag does not apply to this ${state.plan.kind} operation`,
      );
    }
    return data;
  }
  if (tag === undefined) {
    throw kmipErrors.missingData(
      "Decrypt: the final part of a GCM Decrypt needs the Authenticated Encryption Tag",
    );
  }
  if (tag.length !== state.tagBytes) {
    throw kmipErrors.invalidField(
      `Decrypt: Authenticated Encryption Tag of ${tag.length} bytes; this operation was set up for ${state.tagBytes} (Tag Length at Init, default 16)`,
    );
  }
  const out = new Uint8Array(data.length + tag.length);
  out.set(data);
  out.set(tag, data.length);
  return out;
}

/** A next or last part (Correlation Value given). */
export async function continueStream(
  op: CipherOperation,
  part: Extract<StreamPart, { kind: "next" }>,
  payload: ItemOf<"Structure">,
  ctx: OperationContext,
): Promise<CipherRun> {
  const token = requireToken(ctx, op);
  const streams = streamsOf(ctx.client);
  const state = streams.take(op, part.correlation, ownerOf(ctx, token));
  const result = (output: Uint8Array, tagBytes: number): CipherRun => {
    const call: CipherCall = {
      mechanism: { type: 0 },
      data: output,
      generatedIv: undefined,
      tagBytes,
    };
    return { uid: state.uid, call, output };
  };
  try {
    const uid = optional(payload, Tag.UniqueIdentifier, "TextString");
    if (uid !== undefined && uid !== state.uid) {
      throw kmipErrors.invalidField(
        `${op}: Unique Identifier ${uid} is not the key of this multi-part operation (${state.uid})`,
      );
    }
    if (!part.final) {
      const output = await ctx.client.streamUpdate(state.stream, dataOf(payload));
      streams.release(part.correlation);
      return result(output, 0);
    }
    const last = lastPart(op, state, payload);
    const output = await ctx.client.streamFinish(state.stream, last);
    streams.end(part.correlation);
    return result(output, op === "Encrypt" ? state.tagBytes : 0);
  } catch (err) {
    // Any failed part ends the operation; the worker closed its session, or does now.
    streams.end(part.correlation);
    await ctx.client.streamAbort(state.stream);
    return explainStreamFailure(err, op, state.plan);
  }
}

/** CKRs meaning the stream's session is gone (the worker re-initialised the library). */
const STREAM_GONE: ReadonlySet<number> = new Set([
  CKR.OPERATION_NOT_INITIALIZED,
  CKR.SESSION_HANDLE_INVALID,
  CKR.SESSION_CLOSED,
]);

const WRONG_DATA: Readonly<Record<CipherPlan["kind"], string>> = {
  GCM: "the Authenticated Encryption Tag does not match the parts, IV and additional data (or the key is not the one that encrypted)",
  CBC: "the padding or the length of the parts is wrong: the key, IV or data is not the one that encrypted",
  ECB: "the parts together are not whole blocks",
  OAEP: "not streamed",
};

/** A stream failure made meaningful (see the module comment); anything else passes on. */
function explainStreamFailure(err: unknown, op: CipherOperation, plan: CipherPlan): never {
  if (err instanceof KmipError) throw err;
  if (err instanceof WorkerError) {
    throw new KmipError(
      ResultReason.GeneralFailure,
      `${op}: the multi-part operation was lost (${err.message}); start again with Init Indicator`,
    );
  }
  if (!(err instanceof Pkcs11Error)) throw err;
  const detail = `(${err.fn}: ${ckrName(err.ckr)})`;
  if (STREAM_GONE.has(err.ckr) && !err.fn.endsWith("Init")) {
    throw new KmipError(
      ResultReason.GeneralFailure,
      `${op}: the multi-part operation was lost: its PKCS#11 session ended ${detail}; start again with Init Indicator`,
    );
  }
  if (op === "Decrypt" && /^C_Decrypt(Update|Final)$/.test(err.fn) && DECRYPT_FAILED.has(err.ckr)) {
    throw new KmipError(
      ResultReason.CryptographicFailure,
      `Decrypt failed: ${WRONG_DATA[plan.kind]} ${detail}`,
    );
  }
  if (op === "Encrypt" && err.fn === "C_EncryptFinal" && err.ckr === CKR.DATA_LEN_RANGE) {
    throw kmipErrors.invalidField(
      `Encrypt: the parts together are not a whole number of blocks (${plan.kind} without padding) ${detail}`,
    );
  }
  return explainCipherFailure(err, op, plan);
}
