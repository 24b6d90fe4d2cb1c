/**
 * What Encrypt and Decrypt share: reading the request, choosing the mechanism (the request's
 * Cryptographic Parameters, else the key's recorded mode: key-parameters.ts), and the
 * PKCS#11 call. Each handler then only writes its own response.
 */
import { CryptographicAlgorithm, ResultReason } from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import { build, type ItemOf, optional, optionalStruct } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { CKA, CKK, CKR } from "../pkcs11/constants.js";
import { Pkcs11Error } from "../pkcs11/errors.js";
import type { ObjectRef } from "../pkcs11/types.js";
import {
  type CipherCall,
  cipherCall,
  explainCipherFailure,
  readCipherInput,
} from "./cipher-call.js";
import { type CipherOperation, type CipherPlan, cipherPlan, needsKeyMode } from "./cipher-plan.js";
import { beginStream, continueStream, readStreamPart } from "./cipher-stream-run.js";
import { readKeyMechanism } from "./key-parameters.js";
import { requireKey, requireToken, ulongOf } from "./keys.js";
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
  const attempt = async (p: CipherPlan) => {
    const call = cipherCall(op, p, readCipherInput(payload, op));
    const invoke = op === "Encrypt" ? ctx.client.encrypt : ctx.client.decrypt;
    const output = await invoke.call(ctx.client, token, ref, call.mechanism, call.data);
    return { uid, call, output };
  };
  try {
    return await attempt(plan);
  } catch (err) {
    // Parameters naming a mode but no algorithm are planned as AES, the common case, without
    // a token round trip; only when that fails is the key's own type read (a DES3 key).
    const des3 =
      guessedAes(half, params) && mayBeKeyType(err) && (await isDes3Key(ctx, token, ref));
    if (!des3 || params === undefined) return explainCipherFailure(err, op, plan);
    const des3Plan = cipherPlan(op, half, withAlgorithm(params, CryptographicAlgorithm.DES3));
    return attempt(des3Plan).catch((e: unknown) => explainCipherFailure(e, op, des3Plan));
  }
}

/** A secret key's cipher planned as AES although neither the request nor the key said so. */
function guessedAes(half: string, params: ItemOf<"Structure"> | undefined): boolean {
  return (
    half === "secret" &&
    params !== undefined &&
    optional(params, Tag.CryptographicAlgorithm, "Enumeration") === undefined
  );
}

/** Failures a DES3 key planned as AES gives: AES block sizes, or the token's key-type refusal. */
function mayBeKeyType(err: unknown): boolean {
  if (err instanceof KmipError) return err.reason === ResultReason.InvalidField;
  return (
    err instanceof Pkcs11Error &&
    (err.ckr === CKR.KEY_TYPE_INCONSISTENT || err.ckr === CKR.MECHANISM_INVALID)
  );
}

async function isDes3Key(ctx: OperationContext, token: string, ref: ObjectRef): Promise<boolean> {
  const values = await ctx.client.getAttributes(token, ref, [CKA.KEY_TYPE]).catch(() => undefined);
  const type = values?.get(CKA.KEY_TYPE);
  return type !== undefined && type !== null && ulongOf(type) === CKK.DES3;
}

function withAlgorithm(params: ItemOf<"Structure">, algorithm: number): ItemOf<"Structure"> {
  return {
    ...params,
    value: [...params.value, build.enumeration(Tag.CryptographicAlgorithm, algorithm)],
  };
}
