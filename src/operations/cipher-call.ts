/**
 * The PKCS#11 side of Encrypt and Decrypt: the request's inputs (Data, IV/Counter/Nonce,
 * Authenticated Encryption Additional Data and Tag, KMIP 1.4 sections 2.1.22-2.1.23) checked
 * against a cipher plan, turned into a mechanism and the bytes for C_Encrypt / C_Decrypt, and
 * PKCS#11 failures explained.
 *
 * Mechanisms: GCM -> CKM_AES_GCM with CK_GCM_PARAMS{IV, AAD, tag bits}; the token's output is
 * ciphertext||tag and its input for decryption the same, so the relay splits and joins the
 * tag. CBC -> CKM_AES_CBC_PAD (PKCS#5 padding) or CKM_AES_CBC, the IV as parameter. ECB ->
 * CKM_AES_ECB, no parameter (DES3: CKM_DES3_CBC_PAD, CKM_DES3_CBC, CKM_DES3_ECB, 8-byte
 * blocks); with PKCS5 the relay pads before C_Encrypt and checks and strips
 * the padding after C_Decrypt (block-padding.ts). OAEP ->
 * CKM_RSA_PKCS_OAEP with CK_RSA_PKCS_OAEP_PARAMS{hash, MGF1 hash, label}.
 */
import { randomBytes } from "node:crypto";
import { ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { type ItemOf, optional, required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { CKM, CKR, ckrName } from "../pkcs11/constants.js";
import { ObjectNotFoundError, Pkcs11Error } from "../pkcs11/errors.js";
import type { Mechanism } from "../pkcs11/types.js";
import { pad, unpad } from "./block-padding.js";
import { type CipherOperation, type CipherPlan, GCM_TAG_BYTES } from "./cipher-plan.js";
import { oaepCall } from "./cipher-rsa.js";

/** The request's inputs. */
export interface CipherInput {
  readonly data: Uint8Array;
  readonly iv: Uint8Array | undefined;
  readonly aad: Uint8Array | undefined;
  readonly tag: Uint8Array | undefined;
}

/** What goes to the token, and what the response adds. */
export interface CipherCall {
  readonly mechanism: Mechanism;
  readonly data: Uint8Array;
  /** An IV the relay generated: returned in the Encrypt response. */
  readonly generatedIv: Uint8Array | undefined;
  /** Bytes of tag at the end of the token's Encrypt output (GCM), else 0. */
  readonly tagBytes: number;
  /**
   * The token's Decrypt output ends in PKCS#5 padding for the relay to remove (ECB): the
   * block size in bytes.
   */
  readonly unpad?: number;
}

/** Reads Data, IV/Counter/Nonce, Authenticated Encryption Additional Data and Tag. */
export function readCipherInput(payload: ItemOf<"Structure">, op: CipherOperation): CipherInput {
  const tag = optional(payload, Tag.AuthenticatedEncryptionTag, "ByteString");
  if (op === "Encrypt" && tag !== undefined) {
    throw kmipErrors.invalidField("Encrypt: Authenticated Encryption Tag is an output of Encrypt");
  }
  // Empty Data is valid: GCM's tag alone, one padding block (CBC PKCS5), nothing (CBC/ECB
  // without padding). The worker runs it as Init + Final, which SoftHSM2 accepts.
  const data = required(payload, Tag.Data, "ByteString");
  return {
    data,
    iv: optional(payload, Tag.IVCounterNonce, "ByteString"),
    aad: optional(payload, Tag.AuthenticatedEncryptionAdditionalData, "ByteString"),
    tag,
  };
}

function refuse(op: CipherOperation, what: string, mode: string): KmipError {
  return kmipErrors.invalidField(`${op}: ${what} does not apply to ${mode}`);
}

/**
 * The IV to use: the request's, or (Encrypt, unless Random IV is false) a fresh random one.
 * Encrypt with Random IV true and an IV given is Invalid Field.
 */
function ivFor(
  op: CipherOperation,
  given: Uint8Array | undefined,
  randomIv: boolean | undefined,
  length: number,
): { iv: Uint8Array; generated: boolean } {
  if (given !== undefined) {
    // Decrypt ignores Random IV: a client may pass Encrypt's parameters unchanged.
    if (op === "Encrypt" && randomIv === true) {
      throw kmipErrors.invalidField(
        `${op}: Random IV asks for a generated IV, but IV/Counter/Nonce is given`,
      );
    }
    return { iv: given, generated: false };
  }
  if (op === "Decrypt" || randomIv === false) {
    // Invalid Message, as the OASIS test cases expect (CS-BC-M-11..13: "missing-iv").
    throw kmipErrors.invalidMessage(`${op}: IV/Counter/Nonce is required`);
  }
  return { iv: new Uint8Array(randomBytes(length)), generated: true };
}

function gcmCall(
  op: CipherOperation,
  plan: Extract<CipherPlan, { kind: "GCM" }>,
  input: CipherInput,
): CipherCall {
  const { iv, generated } = ivFor(op, input.iv, plan.randomIv, plan.ivBytes);
  if (iv.length === 0 || iv.length > 128) {
    throw kmipErrors.invalidField(`${op}: IV/Counter/Nonce of ${iv.length} bytes (GCM: 1-128)`);
  }
  if (plan.ivLengthGiven && !generated && iv.length !== plan.ivBytes) {
    throw kmipErrors.invalidField(
      `${op}: IV/Counter/Nonce is ${iv.length * 8} bits, IV Length says ${plan.ivBytes * 8}`,
    );
  }
  let tagBytes = plan.tagBytes;
  let data = input.data;
  if (op === "Decrypt") {
    if (input.tag === undefined) {
      throw kmipErrors.missingData("Decrypt: Authenticated Encryption Tag is required for GCM");
    }
    if (
      !GCM_TAG_BYTES.includes(input.tag.length) ||
      (plan.tagGiven && input.tag.length !== tagBytes)
    ) {
      throw kmipErrors.invalidField(
        `Decrypt: Authenticated Encryption Tag of ${input.tag.length} bytes (Tag Length ${plan.tagGiven ? tagBytes : "4, 8, 12-16"})`,
      );
    }
    tagBytes = input.tag.length;
    data = new Uint8Array(input.data.length + input.tag.length);
    data.set(input.data);
    data.set(input.tag, input.data.length);
  }
  const parameter = {
    iv,
    tagBits: tagBytes * 8,
    ...(input.aad === undefined ? {} : { aad: input.aad }),
  };
  return {
    mechanism: { type: CKM.AES_GCM, parameter },
    data,
    generatedIv: generated ? iv : undefined,
    tagBytes: op === "Encrypt" ? tagBytes : 0,
  };
}

function cbcCall(
  op: CipherOperation,
  plan: Extract<CipherPlan, { kind: "CBC" }>,
  input: CipherInput,
): CipherCall {
  if (input.aad !== undefined) throw refuse(op, "Authenticated Encryption Additional Data", "CBC");
  if (input.tag !== undefined) throw refuse(op, "Authenticated Encryption Tag", "CBC");
  const { cipher } = plan;
  const { iv, generated } = ivFor(op, input.iv, plan.randomIv, cipher.blockBytes);
  if (iv.length !== cipher.blockBytes) {
    throw kmipErrors.invalidField(
      `${op}: IV/Counter/Nonce of ${iv.length} bytes (${cipher.name} CBC: ${cipher.blockBytes})`,
    );
  }
  // Ciphertext, and plaintext without padding, come in whole blocks; padded ciphertext has
  // at least one.
  if (op === "Decrypt" || !plan.padded)
    requireBlocks(op, input.data, op === "Decrypt" && plan.padded, cipher.blockBytes);
  return {
    mechanism: { type: plan.padded ? cipher.cbcPad : cipher.cbc, parameter: iv },
    data: input.data,
    generatedIv: generated ? iv : undefined,
    tagBytes: 0,
  };
}

/** Data must be whole blocks (and at least one when `nonEmpty`). */
function requireBlocks(
  op: CipherOperation,
  data: Uint8Array,
  nonEmpty: boolean,
  blockBytes: number,
): void {
  if (data.length % blockBytes !== 0 || (nonEmpty && data.length === 0)) {
    throw kmipErrors.invalidField(
      `${op}: Data of ${data.length} bytes is not a whole number of ${blockBytes}-byte blocks${nonEmpty ? " (at least one)" : ""}`,
    );
  }
}

function ecbCall(
  op: CipherOperation,
  plan: Extract<CipherPlan, { kind: "ECB" }>,
  input: CipherInput,
): CipherCall {
  if (input.iv !== undefined) throw refuse(op, "IV/Counter/Nonce", "ECB");
  if (input.aad !== undefined) throw refuse(op, "Authenticated Encryption Additional Data", "ECB");
  if (input.tag !== undefined) throw refuse(op, "Authenticated Encryption Tag", "ECB");
  const { cipher } = plan;
  const padOnEncrypt = plan.padded && op === "Encrypt";
  if (!padOnEncrypt) requireBlocks(op, input.data, plan.padded, cipher.blockBytes);
  const call = {
    mechanism: { type: cipher.ecb },
    data: padOnEncrypt ? pad(input.data, cipher.blockBytes) : input.data,
    generatedIv: undefined,
    tagBytes: 0,
  };
  return plan.padded && op === "Decrypt" ? { ...call, unpad: cipher.blockBytes } : call;
}

/** The plaintext of a padded ECB Decrypt; bad padding is Cryptographic Failure. */
export function removePadding(call: CipherCall, output: Uint8Array): Uint8Array {
  if (call.unpad === undefined) return output;
  const plain = unpad(output, call.unpad);
  if (plain === undefined) {
    throw new KmipError(ResultReason.CryptographicFailure, `Decrypt failed: ${FAILURE_TEXT.ECB}`);
  }
  return plain;
}

/** The mechanism and bytes handed to C_Encrypt / C_Decrypt. */
export function cipherCall(op: CipherOperation, plan: CipherPlan, input: CipherInput): CipherCall {
  switch (plan.kind) {
    case "GCM":
      return gcmCall(op, plan, input);
    case "CBC":
      return cbcCall(op, plan, input);
    case "ECB":
      return ecbCall(op, plan, input);
    case "OAEP":
      return oaepCall(op, plan, input);
  }
}

/** Splits GCM's ciphertext||tag. */
export function splitTag(
  output: Uint8Array,
  tagBytes: number,
): { data: Uint8Array; tag: Uint8Array } {
  if (output.length < tagBytes) {
    throw new KmipError(ResultReason.GeneralFailure, "the token returned less than a GCM tag");
  }
  const cut = output.length - tagBytes;
  return { data: output.subarray(0, cut), tag: output.subarray(cut) };
}

/**
 * CKRs of a C_Decrypt (or C_DecryptUpdate / C_DecryptFinal of a multi-part one) that found
 * the data not authentic or badly padded.
 */
export const DECRYPT_FAILED: ReadonlySet<number> = new Set([
  CKR.ENCRYPTED_DATA_INVALID,
  CKR.ENCRYPTED_DATA_LEN_RANGE,
  CKR.GENERAL_ERROR,
  CKR.FUNCTION_FAILED,
  CKR.DATA_INVALID,
  CKR.DATA_LEN_RANGE,
]);

/** CKRs of an Init that found the mechanism's parameters unusable. */
const PARAMS_REFUSED: ReadonlySet<number> = new Set([
  CKR.ARGUMENTS_BAD,
  CKR.MECHANISM_PARAM_INVALID,
  CKR.MECHANISM_INVALID,
]);

const FAILURE_TEXT: Readonly<Record<CipherPlan["kind"], string>> = {
  GCM: "the Authenticated Encryption Tag does not match the data, IV and additional data (or the key is not the one that encrypted)",
  CBC: "the padding is wrong: the key, IV or data is not the one that encrypted",
  ECB: "the padding is wrong: the key or data is not the one that encrypted",
  OAEP: "the data is not an OAEP encryption for this key and parameters",
};

/**
 * A PKCS#11 failure made meaningful: a failed C_Decrypt is Cryptographic Failure; an OAEP
 * hash the token refuses at C_EncryptInit / C_DecryptInit is Feature Not Supported naming it.
 */
export function explainCipherFailure(err: unknown, op: CipherOperation, plan: CipherPlan): never {
  if (!(err instanceof Pkcs11Error) || err instanceof ObjectNotFoundError) throw err;
  const detail = `(${err.fn}: ${ckrName(err.ckr)})`;
  if (op === "Decrypt" && err.fn === "C_Decrypt" && DECRYPT_FAILED.has(err.ckr)) {
    throw new KmipError(
      ResultReason.CryptographicFailure,
      `Decrypt failed: ${FAILURE_TEXT[plan.kind]} ${detail}`,
    );
  }
  if (plan.kind !== "OAEP" && err.fn.endsWith("Init") && err.ckr === CKR.MECHANISM_INVALID) {
    throw kmipErrors.invalidField(
      `${op}: the key does not allow ${plan.kind === "GCM" ? "AES" : plan.cipher.name} ${plan.kind}: its Cryptographic Parameters keep it to another mode ${detail}`,
    );
  }
  if (plan.kind !== "OAEP" && err.fn.endsWith("Init") && err.ckr === CKR.KEY_TYPE_INCONSISTENT) {
    const cipher = plan.kind === "GCM" ? "AES" : plan.cipher.name;
    throw kmipErrors.invalidField(
      `${op}: the key is not of type ${cipher}; name its algorithm (Cryptographic Parameters: Cryptographic Algorithm, e.g. DES3) ${detail}`,
    );
  }
  if (plan.kind === "OAEP" && err.fn.endsWith("Init") && PARAMS_REFUSED.has(err.ckr)) {
    throw kmipErrors.notSupported(
      `${op}: the token does not support RSA OAEP with ${plan.hash.name} and MGF1-${plan.mgfHash.name}${plan.label === undefined ? "" : " and a label"} ${detail}`,
    );
  }
  throw err;
}
