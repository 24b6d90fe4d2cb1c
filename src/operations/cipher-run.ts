/**
 * What Encrypt and Decrypt share: reading the request, choosing the mechanism (the request's
 * Cryptographic Parameters, else the key's recorded mode: key-parameters.ts), and the
 * PKCS#11 call. Each handler then only writes its own response.
 */
import { type ItemOf, optionalStruct } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import {
  type CipherCall,
  cipherCall,
  explainCipherFailure,
  readCipherInput,
} from "./cipher-call.js";
import { type CipherOperation, cipherPlan, needsKeyMode } from "./cipher-plan.js";
import { beginStream, continueStream, readStreamPart } from "./cipher-stream-run.js";
import { readKeyMechanism } from "./key-parameters.js";
import { requireKey, requireToken } from "./keys.js";
import type { OperationContext } from "./types.js";
import { halfOf } from "./uid.js";

/** The result of one cipher call, for the handler's response. */
export interface CipherRun {
  readonly uid: string;
  readonly call: CipherCall;
  /** What the token returned (for GCM Encrypt: ciphertext then tag). */
  readonly output: Uint8Array;
  /** A multi-part operation's new Correlation Value (first response only, KMIP 1.4 2.1.15). */
  readonly correlation?: Uint8Array;
}

/**
 * Runs `op` (C_EncryptInit + C_Encrypt or C_DecryptInit + C_Decrypt) for `payload`, or a part
 * of a multi-part operation (Init Indicator, Correlation Value: cipher-stream-run.ts).
 */
export async function runCipher(
  op: CipherOperation,
  payload: ItemOf<"Structure">,
  ctx: OperationContext,
): Promise<CipherRun> {
  const part = readStreamPart(payload, op);
  if (part.kind === "next") return continueStream(op, part, payload, ctx);
  const token = requireToken(ctx, op);
  const { uid, ref } = requireKey(payload);
  const params = optionalStruct(payload, Tag.CryptographicParameters);
  const half = halfOf(ref);
  const keyMechanism = needsKeyMode(half, params)
    ? await readKeyMechanism(ctx.client, token, ref)
    : undefined;
  const plan = cipherPlan(op, half, params, keyMechanism);
  if (part.kind === "begin") return beginStream(op, payload, ctx, { token, uid, ref }, plan);
  const call = cipherCall(op, plan, readCipherInput(payload, op));
  const invoke = op === "Encrypt" ? ctx.client.encrypt : ctx.client.decrypt;
  const output = await invoke
    .call(ctx.client, token, ref, call.mechanism, call.data)
    .catch((err: unknown) => explainCipherFailure(err, op, plan));
  return { uid, call, output };
}
