/**
 * RSA encryption of Encrypt and Decrypt (KMIP 1.4 section 3.6 Table 65): the plan from the
 * Cryptographic Parameters (Padding Method OAEP, the default; PKCS#1 v1.5 encryption is
 * refused; Hashing Algorithm, default SHA-256; Mask Generator MGF1 with Mask Generator Hashing
 * Algorithm, default the same hash as PyKMIP and node:crypto do, not KMIP's SHA-1; P Source,
 * the label) and the call: CKM_RSA_PKCS_OAEP with
 * CK_RSA_PKCS_OAEP_PARAMS{hash, MGF1 hash, label}. Used by cipher-plan.ts and cipher-call.ts.
 */
import { MaskGenerator, PaddingMethod } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { CKM } from "../pkcs11/constants.js";
import type { TtlvItem } from "../ttlv/types.js";
import { DEFAULT_OAEP_HASH, type OaepHashSpec, oaepHashByKmip } from "./cipher-algorithms.js";
import type { CipherCall, CipherInput } from "./cipher-call.js";
import type { CipherOperation, CipherPlan } from "./cipher-plan.js";
import { enumText } from "./keys.js";

function badField(op: CipherOperation, text: string) {
  return kmipErrors.invalidField(`${op}: Cryptographic Parameters: ${text}`);
}

function refuse(op: CipherOperation, what: string, mode: string) {
  return kmipErrors.invalidField(`${op}: ${what} does not apply to ${mode}`);
}

function notSupported(op: CipherOperation, text: string) {
  return kmipErrors.notSupported(`${op}: Cryptographic Parameters: ${text}`);
}

function oaepHash(op: CipherOperation, tag: number, value: number | undefined): OaepHashSpec {
  if (value === undefined) return DEFAULT_OAEP_HASH;
  const hash = oaepHashByKmip(value);
  if (hash === undefined) {
    throw notSupported(
      op,
      `${enumText(tag, value)} is not a supported OAEP hash (SHA_1, SHA_256, SHA_384, SHA_512)`,
    );
  }
  return hash;
}

/** The RSA OAEP plan of the request's Cryptographic Parameters (if any). */
export function rsaPlan(op: CipherOperation, params: TtlvItem | undefined): CipherPlan {
  if (params === undefined) {
    return { kind: "OAEP", hash: DEFAULT_OAEP_HASH, mgfHash: DEFAULT_OAEP_HASH, label: undefined };
  }
  const padding = optional(params, Tag.PaddingMethod, "Enumeration");
  if (padding !== undefined && padding !== PaddingMethod.OAEP) {
    throw notSupported(
      op,
      `Padding Method ${enumText(Tag.PaddingMethod, padding)} is not supported for RSA (OAEP)`,
    );
  }
  if (optional(params, Tag.BlockCipherMode, "Enumeration") !== undefined) {
    throw badField(op, "Block Cipher Mode does not apply to RSA");
  }
  const generator = optional(params, Tag.MaskGenerator, "Enumeration");
  if (generator !== undefined && generator !== MaskGenerator.MGF1) {
    throw notSupported(op, "only Mask Generator MGF1 is supported");
  }
  const hash = oaepHash(
    op,
    Tag.HashingAlgorithm,
    optional(params, Tag.HashingAlgorithm, "Enumeration"),
  );
  const mgfValue = optional(params, Tag.MaskGeneratorHashingAlgorithm, "Enumeration");
  const label = optional(params, Tag.PSource, "ByteString");
  return {
    kind: "OAEP",
    hash,
    mgfHash:
      mgfValue === undefined ? hash : oaepHash(op, Tag.MaskGeneratorHashingAlgorithm, mgfValue),
    label: label === undefined || label.length === 0 ? undefined : label,
  };
}

/** C_Encrypt / C_Decrypt of an OAEP plan. */
export function oaepCall(
  op: CipherOperation,
  plan: Extract<CipherPlan, { kind: "OAEP" }>,
  input: CipherInput,
): CipherCall {
  if (input.iv !== undefined) throw refuse(op, "IV/Counter/Nonce", "RSA OAEP");
  if (input.aad !== undefined)
    throw refuse(op, "Authenticated Encryption Additional Data", "RSA OAEP");
  if (input.tag !== undefined) throw refuse(op, "Authenticated Encryption Tag", "RSA OAEP");
  if (input.data.length === 0) {
    // Empty input would go through Init + Final, which PKCS#11 RSA mechanisms do not offer.
    throw kmipErrors.invalidField(
      `${op}: Data is empty; RSA OAEP on the token is single-part C_${op}, which takes no empty input`,
    );
  }
  const parameter = {
    hashAlg: plan.hash.ckm,
    mgf: plan.mgfHash.mgf,
    ...(plan.label === undefined ? {} : { source: plan.label }),
  };
  return {
    mechanism: { type: CKM.RSA_PKCS_OAEP, parameter },
    data: input.data,
    generatedIv: undefined,
    tagBytes: 0,
  };
}
