/**
 * Encrypt's and Decrypt's Cryptographic Parameters (KMIP 1.4 section 3.6, Table 65) resolved
 * to one cipher plan. The key's UID decides the family: a secret key (`_sec`) is AES (DES3
 * when the parameters name DES3 or the key is kept to a DES3 mode), a public key (`_pub`)
 * RSA encryption, a private key (`_priv`) RSA decryption; the parameters must agree with it.
 *
 * AES: Block Cipher Mode from the request, else from the key's Cryptographic Parameters
 * attribute (section 4.29; kept as CKA_ALLOWED_MECHANISMS, key-parameters.ts): GCM (Tag
 * Length in bytes, default 16; IV Length in bits, default 96, for a generated IV), CBC
 * (Padding Method PKCS5, the default, or None) or ECB (Padding None, the default, or PKCS5,
 * which the relay adds and removes itself: PKCS#11 has no padded ECB mechanism).
 * DES3: CBC and ECB as AES, 8-byte blocks (cipher-algorithms.ts, DES3_CIPHER).
 * RSA: OAEP (cipher-rsa.ts).
 */
import {
  BlockCipherMode,
  CryptographicAlgorithm,
  PaddingMethod,
  ResultReason,
} from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { TtlvItem } from "../ttlv/types.js";
import {
  AES_CIPHER,
  type BlockCipherSpec,
  DES3_CIPHER,
  type OaepHashSpec,
} from "./cipher-algorithms.js";
import { rsaPlan } from "./cipher-rsa.js";
import { type AesMode, aesModeOfMechanism, des3ModeOfMechanism } from "./key-parameters.js";
import { enumText } from "./keys.js";
import type { KeyHalf } from "./uid.js";

/** Encrypt or Decrypt. */
export type CipherOperation = "Encrypt" | "Decrypt";

/** A complete cipher plan. */
export type CipherPlan =
  | {
      readonly kind: "GCM";
      readonly tagBytes: number;
      /** Tag Length was given (Decrypt then checks the tag's length against it). */
      readonly tagGiven: boolean;
      /** Length of a generated IV. */
      readonly ivBytes: number;
      readonly ivLengthGiven: boolean;
      /** Random IV as given: false forbids generating one. */
      readonly randomIv: boolean | undefined;
    }
  | {
      readonly kind: "CBC";
      readonly cipher: BlockCipherSpec;
      readonly padded: boolean;
      readonly randomIv: boolean | undefined;
    }
  | { readonly kind: "ECB"; readonly cipher: BlockCipherSpec; readonly padded: boolean }
  | {
      readonly kind: "OAEP";
      readonly hash: OaepHashSpec;
      readonly mgfHash: OaepHashSpec;
      readonly label: Uint8Array | undefined;
    };

/** GCM tag lengths in bytes (NIST SP 800-38D section 5.2.1.2: 128..96 bits, 64, 32). */
export const GCM_TAG_BYTES: readonly number[] = [4, 8, 12, 13, 14, 15, 16];
/** GCM IV bytes: 12 (96 bits, SP 800-38D's recommendation) by default, 1..128 accepted. */
const GCM_DEFAULT_IV_BYTES = 12;
const GCM_MAX_IV_BYTES = 128;

function badField(op: CipherOperation, text: string): KmipError {
  return kmipErrors.invalidField(`${op}: Cryptographic Parameters: ${text}`);
}

/**
 * A parameter value the cipher cannot take (a GCM Tag Length outside SP 800-38D's list).
 * KMIP 2.x names Bad Cryptographic Parameters for it (KMIP 2.1 section 6.1.17.1, Table 216);
 * KMIP 1.x names no reason (1.4 section 11.30 lists none; Invalid Field is for unknown
 * fields, Table 327), and the OASIS 1.4 cases (CS-BC-M-GCM-1, step 7) expect General Failure.
 * Without the request's version (`major` undefined) it is General Failure.
 */
function badParameters(op: CipherOperation, major: number | undefined, text: string): KmipError {
  const reason =
    major !== undefined && major >= 2
      ? ResultReason.BadCryptographicParameters
      : ResultReason.GeneralFailure;
  return new KmipError(reason, `${op}: Cryptographic Parameters: ${text}`);
}

function notSupported(op: CipherOperation, text: string): KmipError {
  return kmipErrors.notSupported(`${op}: Cryptographic Parameters: ${text}`);
}

/** The key family of the UID, checked against the request's Cryptographic Algorithm. */
function familyOf(
  op: CipherOperation,
  half: KeyHalf,
  algorithm: number | undefined,
  keyMechanism: number | undefined,
): "AES" | "DES3" | "RSA" {
  const family = half === "secret" ? "AES" : "RSA";
  const rsaHalf = op === "Encrypt" ? "public" : "private";
  if (family === "RSA" && half !== rsaHalf) {
    throw new KmipError(
      ResultReason.IllegalOperation,
      `${op}: RSA ${op === "Encrypt" ? "encryption" : "decryption"} takes the ${rsaHalf} key's Unique Identifier`,
    );
  }
  if (algorithm === undefined) {
    // A secret key kept to a DES3 mode is DES3; any other is taken to be AES.
    const des3 = keyMechanism !== undefined && des3ModeOfMechanism(keyMechanism) !== undefined;
    return family === "AES" && des3 ? "DES3" : family;
  }
  const asked =
    algorithm === CryptographicAlgorithm.AES
      ? "AES"
      : algorithm === CryptographicAlgorithm.DES3
        ? "DES3"
        : algorithm === CryptographicAlgorithm.RSA
          ? "RSA"
          : undefined;
  if (asked === undefined) {
    throw notSupported(
      op,
      `Cryptographic Algorithm ${enumText(Tag.CryptographicAlgorithm, algorithm)} is not supported (AES, DES3, RSA)`,
    );
  }
  if ((asked === "RSA") !== (family === "RSA")) {
    throw badField(op, `Cryptographic Algorithm ${asked} does not fit the ${half} key`);
  }
  return asked;
}

function gcmPlan(
  op: CipherOperation,
  params: TtlvItem | undefined,
  major: number | undefined,
): CipherPlan {
  const tagLength = params && optional(params, Tag.TagLength, "Integer");
  if (tagLength !== undefined && !GCM_TAG_BYTES.includes(tagLength)) {
    throw badParameters(
      op,
      major,
      `Tag Length ${tagLength} bytes is not a GCM tag length (4, 8, 12-16 bytes: NIST SP 800-38D section 5.2.1.2)`,
    );
  }
  const ivLength = params && optional(params, Tag.IVLength, "Integer");
  if (
    ivLength !== undefined &&
    (ivLength % 8 !== 0 || ivLength < 8 || ivLength > GCM_MAX_IV_BYTES * 8)
  ) {
    throw badField(
      op,
      `IV Length ${ivLength} bits is not accepted for GCM (8-1024, multiple of 8)`,
    );
  }
  return {
    kind: "GCM",
    tagBytes: tagLength ?? 16,
    tagGiven: tagLength !== undefined,
    ivBytes: ivLength === undefined ? GCM_DEFAULT_IV_BYTES : ivLength / 8,
    ivLengthGiven: ivLength !== undefined,
    randomIv: params && optional(params, Tag.RandomIV, "Boolean"),
  };
}

function ecbPlan(
  op: CipherOperation,
  params: TtlvItem | undefined,
  padding: number,
  cipher: BlockCipherSpec,
): CipherPlan {
  if (padding !== PaddingMethod.None && padding !== PaddingMethod.PKCS5) {
    throw notSupported(
      op,
      `Padding Method ${enumText(Tag.PaddingMethod, padding)} is not supported for ECB (None, PKCS5)`,
    );
  }
  if (params !== undefined && optional(params, Tag.IVLength, "Integer") !== undefined) {
    throw badField(op, "IV Length does not apply to ECB");
  }
  return { kind: "ECB", padded: padding === PaddingMethod.PKCS5, cipher };
}

function cbcPlan(
  op: CipherOperation,
  params: TtlvItem | undefined,
  padding: number,
  cipher: BlockCipherSpec,
): CipherPlan {
  if (padding !== PaddingMethod.PKCS5 && padding !== PaddingMethod.None) {
    throw notSupported(
      op,
      `Padding Method ${enumText(Tag.PaddingMethod, padding)} is not supported for CBC (PKCS5, None)`,
    );
  }
  const ivLength = params && optional(params, Tag.IVLength, "Integer");
  if (ivLength !== undefined && ivLength !== cipher.blockBytes * 8) {
    throw badField(
      op,
      `IV Length ${ivLength} bits: ${cipher.name} CBC takes a ${cipher.blockBytes * 8}-bit IV`,
    );
  }
  return {
    kind: "CBC",
    cipher,
    padded: padding !== PaddingMethod.None,
    randomIv: params && optional(params, Tag.RandomIV, "Boolean"),
  };
}

/**
 * Block Cipher Mode and Padding Method: the request's, else the key's (`keyMechanism`, the
 * one mechanism it is kept to). Padding defaults to the key's when the mode is the key's.
 */
function blockModeOf(
  op: CipherOperation,
  params: TtlvItem | undefined,
  keyMechanism: number | undefined,
  cipher: BlockCipherSpec,
): { mode: number; padding: number | undefined } {
  const asked = params && optional(params, Tag.BlockCipherMode, "Enumeration");
  const padding = params && optional(params, Tag.PaddingMethod, "Enumeration");
  const modeOf = cipher.name === "AES" ? aesModeOfMechanism : des3ModeOfMechanism;
  const kept: AesMode | undefined = keyMechanism === undefined ? undefined : modeOf(keyMechanism);
  if (asked !== undefined) {
    return { mode: asked, padding: padding ?? (kept?.mode === asked ? kept.padding : undefined) };
  }
  if (kept === undefined) {
    throw kmipErrors.missingData(
      `${op}: Cryptographic Parameters: Block Cipher Mode is required for ${cipher.name} (${modeNames(cipher)}); the key records none`,
    );
  }
  return { mode: kept.mode, padding: padding ?? kept.padding };
}

const modeNames = (cipher: BlockCipherSpec): string =>
  cipher.name === "AES" ? "GCM, CBC, ECB" : "CBC, ECB";

function blockPlan(
  op: CipherOperation,
  params: TtlvItem | undefined,
  keyMechanism: number | undefined,
  major: number | undefined,
  cipher: BlockCipherSpec,
): CipherPlan {
  const { mode, padding } = blockModeOf(op, params, keyMechanism, cipher);
  if (mode === BlockCipherMode.GCM && cipher.name === "AES") {
    if (padding !== undefined && padding !== PaddingMethod.None) {
      throw badField(
        op,
        `Padding Method ${enumText(Tag.PaddingMethod, padding)} does not apply to GCM`,
      );
    }
    return gcmPlan(op, params, major);
  }
  if (mode === BlockCipherMode.CBC) {
    return cbcPlan(op, params, padding ?? PaddingMethod.PKCS5, cipher);
  }
  if (mode === BlockCipherMode.ECB) {
    return ecbPlan(op, params, padding ?? PaddingMethod.None, cipher);
  }
  throw notSupported(
    op,
    `Block Cipher Mode ${enumText(Tag.BlockCipherMode, mode)} is not supported for ${cipher.name} (${modeNames(cipher)})`,
  );
}

/**
 * The plan for the key `half` names and the request's Cryptographic Parameters (if any);
 * `keyMechanism` is the one mechanism a secret key is kept to, its recorded parameters;
 * `version` the request's protocol version (which Result Reason a bad parameter gets).
 */
export function cipherPlan(
  op: CipherOperation,
  half: KeyHalf,
  params: TtlvItem | undefined,
  keyMechanism?: number,
  version?: { readonly major: number },
): CipherPlan {
  const algorithm = params && optional(params, Tag.CryptographicAlgorithm, "Enumeration");
  const family = familyOf(op, half, algorithm, keyMechanism);
  if (family === "RSA") return rsaPlan(op, params);
  const cipher = family === "DES3" ? DES3_CIPHER : AES_CIPHER;
  return blockPlan(op, params, keyMechanism, version?.major, cipher);
}

/**
 * Whether planning needs the key's type and recorded mode: a secret key, no Block Cipher Mode
 * given, and no other Cryptographic Algorithm named (that is refused without asking the
 * token). A request naming a mode but no algorithm is planned for AES without a key read (a
 * round trip on every call); a DES3 key needs Cryptographic Algorithm DES3 then (or a mode
 * recorded at Register).
 */
export function needsKeyMode(half: KeyHalf, params: TtlvItem | undefined): boolean {
  if (half !== "secret") return false;
  if (params === undefined) return true;
  const algorithm = optional(params, Tag.CryptographicAlgorithm, "Enumeration");
  return (
    optional(params, Tag.BlockCipherMode, "Enumeration") === undefined &&
    (algorithm === undefined ||
      algorithm === CryptographicAlgorithm.AES ||
      algorithm === CryptographicAlgorithm.DES3)
  );
}
