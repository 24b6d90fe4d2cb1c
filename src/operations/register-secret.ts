/**
 * The C_CreateObject template of a secret key for Register (KMIP 1.4 section 4.3, KMIP 2.1
 * section 6.1.44): Object Type Symmetric Key, key material Raw or Transparent Symmetric Key.
 *
 * | Cryptographic Algorithm        | bytes                    | PKCS#11 key                                            |
 * |--------------------------------|--------------------------|--------------------------------------------------------|
 * | AES                            | 16, 24, 32               | CKK_AES                                                |
 * | AES with Cryptographic Parameters naming an HMAC | 16, 24, 32 | CKK_GENERIC_SECRET, CKA_ALLOWED_MECHANISMS = CKM_SHA*_HMAC |
 * | DES3                           | 24 (168 bits), 16 (112)  | CKK_DES3 (a 16-byte key is stored as K1 K2 K1)         |
 * | HMAC_SHA256/384/512            | hash length - block size | CKK_GENERIC_SECRET, CKA_ALLOWED_MECHANISMS = CKM_SHA*_HMAC |
 *
 * KMIP 1.4 section 3.6: a key's Cryptographic Parameters are what operations without their
 * own use. An AES key registered with Cryptographic Parameters {Cryptographic Algorithm
 * HMAC_SHA256} (the OASIS CS-AC-M-4..6 cases) is thereby a MAC key: PKCS#11 computes HMAC on
 * generic secrets only (SoftHSM2 refuses CKM_SHA256_HMAC on CKK_AES), so such a key is stored
 * as CKK_GENERIC_SECRET kept to that HMAC (zero-padded to the hash length when shorter,
 * see hmacKeyValue) and can no longer encrypt.
 */
import { CryptographicAlgorithm } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { optional } from "../kmip/item.js";
import { CryptographicUsageMask } from "../kmip/masks.js";
import { Tag } from "../kmip/tags.js";
import { type KmipAttribute, valuesOf } from "../kmip/template.js";
import { CKA, CKK, CKO } from "../pkcs11/constants.js";
import type { Attr } from "../pkcs11/types.js";
import { DES3_KEY_BYTES, type HmacSpec, hmacByAlgorithm, hmacByHash } from "./cipher-algorithms.js";
import { mechanismList } from "./create.js";
import { aesMechanismOfParameters, des3MechanismOfParameters } from "./key-parameters.js";
import { enumText } from "./keys.js";
import { checkStated, labelAttr, single } from "./register-common.js";
import { type KeyBlockFields, secretBytesOf } from "./register-material.js";
import { secretKeyUsage } from "./usage-template.js";

const OP = "Register";
const M = CryptographicUsageMask;
const A = CryptographicAlgorithm;

/** What a secret key becomes on the token. */
interface SecretKind {
  /** CKA_KEY_TYPE and any CKA_ALLOWED_MECHANISMS. */
  readonly attrs: Attr[];
  /** The bits Cryptographic Length states for it. */
  readonly bits: number;
  /** Usage when the request gives no Cryptographic Usage Mask. */
  readonly usage: number;
  /** CKA_VALUE (a two-key DES3 key widened to three). */
  readonly value: Uint8Array;
}

/** The request's Cryptographic Parameters attribute, if any. */
function parametersOf(attrs: readonly KmipAttribute[]) {
  return valuesOf(attrs, Tag.CryptographicParameters)[0];
}

/**
 * The HMAC a key's registered Cryptographic Parameters name (Cryptographic Algorithm
 * HMAC_*, or Hashing Algorithm SHA_256/384/512 with no block cipher mode), if any.
 */
function hmacOfRegisteredParameters(attrs: readonly KmipAttribute[]): HmacSpec | undefined {
  const params = parametersOf(attrs);
  if (params === undefined) return undefined;
  const algorithm = optional(params, Tag.CryptographicAlgorithm, "Enumeration");
  if (algorithm !== undefined) return hmacByAlgorithm(algorithm);
  if (optional(params, Tag.BlockCipherMode, "Enumeration") !== undefined) return undefined;
  const hash = optional(params, Tag.HashingAlgorithm, "Enumeration");
  return hash === undefined ? undefined : hmacByHash(hash);
}

/**
 * RFC 2104 section 2: HMAC pads a key shorter than the hash's block with zero bytes, so
 * K || 00..00 (up to the block size) is the same HMAC key as K. SoftHSM2 refuses HMAC keys
 * shorter than the hash output (CKR_KEY_SIZE_RANGE), so a shorter key (an AES-sized key kept
 * to HMAC) is stored zero-padded to the hash length: the token computes the same MAC.
 */
function hmacKeyValue(hmac: HmacSpec, value: Uint8Array): Uint8Array {
  if (value.length >= hmac.length) return value;
  const padded = new Uint8Array(hmac.length);
  padded.set(value);
  return padded;
}

function hmacKind(hmac: HmacSpec, value: Uint8Array): SecretKind {
  return {
    attrs: keyTypeKeptTo(CKK.GENERIC_SECRET, hmac.ckm),
    bits: value.length * 8,
    usage: M.MACGenerate | M.MACVerify,
    value: hmacKeyValue(hmac, value),
  };
}

/** CKA_KEY_TYPE, and CKA_ALLOWED_MECHANISMS when the registered parameters name one (`ckm`). */
function keyTypeKeptTo(ckk: number, ckm: number | undefined): Attr[] {
  const keyType = { type: CKA.KEY_TYPE, value: ckk };
  return ckm === undefined
    ? [keyType]
    : [keyType, { type: CKA.ALLOWED_MECHANISMS, value: mechanismList([ckm]) }];
}

function aesKind(attrs: readonly KmipAttribute[], value: Uint8Array): SecretKind {
  if (![16, 24, 32].includes(value.length)) {
    throw kmipErrors.invalidField(`${OP}: an AES key is 16, 24 or 32 bytes, not ${value.length}`);
  }
  const hmac = hmacOfRegisteredParameters(attrs);
  if (hmac !== undefined) return hmacKind(hmac, value);
  const params = parametersOf(attrs);
  const ckm = params === undefined ? undefined : aesMechanismOfParameters(OP, params);
  return {
    attrs: keyTypeKeptTo(CKK.AES, ckm),
    bits: value.length * 8,
    usage: M.Encrypt | M.Decrypt,
    value,
  };
}

/**
 * DES3 (TDEA, NIST SP 800-67): three 8-byte DES keys (168 key bits stated for 24 bytes with
 * their parity bits), or two (112 bits; K3 = K1).
 */
function des3Kind(attrs: readonly KmipAttribute[], value: Uint8Array): SecretKind {
  const bits = DES3_KEY_BYTES.get(value.length);
  if (bits === undefined) {
    throw kmipErrors.invalidField(`${OP}: a DES3 key is 16 or 24 bytes, not ${value.length}`);
  }
  const full = value.length === 24 ? value : new Uint8Array([...value, ...value.subarray(0, 8)]);
  const params = parametersOf(attrs);
  const ckm = params === undefined ? undefined : des3MechanismOfParameters(OP, params);
  return {
    attrs: keyTypeKeptTo(CKK.DES3, ckm),
    bits,
    usage: M.Encrypt | M.Decrypt,
    value: full,
  };
}

function secretKind(
  attrs: readonly KmipAttribute[],
  algorithm: number | undefined,
  value: Uint8Array,
): SecretKind {
  if (algorithm === undefined) {
    throw kmipErrors.missingData(`${OP}: Cryptographic Algorithm is required for a Symmetric Key`);
  }
  if (algorithm === A.AES) return aesKind(attrs, value);
  if (algorithm === A.DES3) return des3Kind(attrs, value);
  const hmac = hmacByAlgorithm(algorithm);
  if (hmac === undefined) {
    throw kmipErrors.notSupported(
      `${OP}: Cryptographic Algorithm ${enumText(Tag.CryptographicAlgorithm, algorithm)} is not supported for a Symmetric Key (AES, DES3, HMAC_SHA256, HMAC_SHA384, HMAC_SHA512)`,
    );
  }
  if (value.length < hmac.length || value.length > hmac.blockBytes) {
    throw kmipErrors.invalidField(
      `${OP}: an ${hmac.name} key of ${value.length} bytes is not accepted (${hmac.length}-${hmac.blockBytes})`,
    );
  }
  return hmacKind(hmac, value);
}

/** The C_CreateObject template of a secret key. */
export function secretKeyTemplate(
  attrs: readonly KmipAttribute[],
  block: KeyBlockFields,
  id: Uint8Array,
): Attr[] {
  const material = secretBytesOf(block);
  const algorithm = single(attrs, Tag.CryptographicAlgorithm, "Enumeration") ?? block.algorithm;
  const kind = secretKind(attrs, algorithm, material);
  checkStated(attrs, block, { algorithms: [algorithm ?? 0], bits: kind.bits, name: "secret" });
  const mask = single(attrs, Tag.CryptographicUsageMask, "Integer") ?? kind.usage;
  return [
    { type: CKA.CLASS, value: CKO.SECRET_KEY },
    ...kind.attrs.slice(0, 1),
    { type: CKA.ID, value: id },
    { type: CKA.TOKEN, value: true },
    { type: CKA.PRIVATE, value: true },
    { type: CKA.SENSITIVE, value: single(attrs, Tag.Sensitive, "Boolean") ?? true },
    { type: CKA.EXTRACTABLE, value: single(attrs, Tag.Extractable, "Boolean") ?? false },
    ...labelAttr(attrs),
    ...secretKeyUsage(mask),
    ...kind.attrs.slice(1),
    { type: CKA.VALUE, value: kind.value },
  ];
}
