/**
 * Sign's Cryptographic Parameters (KMIP 1.4 section 3.6, KMIP 2.1 section 7.6) resolved to
 * one signing plan: which key kind, hash, padding. Fields read: Cryptographic Algorithm,
 * Digital Signature Algorithm, Hashing Algorithm, Padding Method, and for PSS Salt Length,
 * Mask Generator (MGF1 only), Mask Generator Hashing Algorithm, Trailer Field (1 only).
 */
import {
  CryptographicAlgorithm,
  DigitalSignatureAlgorithm,
  HashingAlgorithm,
  MaskGenerator,
  PaddingMethod,
} from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { TtlvItem } from "../ttlv/types.js";
import { DEFAULT_HASH, type HashSpec, hashByKmip } from "./algorithms.js";
import { enumText, type KeyKind } from "./keys.js";

/** RSA padding schemes. */
export type RsaPadding = "PKCS1" | "PSS";

/** What the request's parameters say (anything may be left open). */
export interface SignParameters {
  readonly kind?: KeyKind;
  readonly hash?: HashSpec;
  readonly padding?: RsaPadding;
  readonly saltLength?: number;
  readonly mgfHash?: HashSpec;
}

/** A complete signing plan. */
export type SignPlan =
  | {
      readonly kind: "RSA";
      readonly padding: RsaPadding;
      readonly hash: HashSpec;
      readonly saltLength: number;
      readonly mgfHash: HashSpec;
    }
  | { readonly kind: "EC"; readonly hash: HashSpec; readonly hashGiven: boolean }
  | { readonly kind: "Ed25519" };

const DSA = DigitalSignatureAlgorithm;
const H = HashingAlgorithm;

/** Digital Signature Algorithm -> the parameters it implies. */
const SIGNATURE_ALGORITHMS: ReadonlyMap<
  number,
  { kind: KeyKind; hash?: number; padding?: RsaPadding }
> = new Map([
  [DSA.SHA_256WithRSAEncryption, { kind: "RSA", hash: H.SHA_256, padding: "PKCS1" }],
  [DSA.SHA_384WithRSAEncryption, { kind: "RSA", hash: H.SHA_384, padding: "PKCS1" }],
  [DSA.SHA_512WithRSAEncryption, { kind: "RSA", hash: H.SHA_512, padding: "PKCS1" }],
  [DSA.RSASSA_PSS, { kind: "RSA", padding: "PSS" }],
  [DSA.ECDSAWithSHA256, { kind: "EC", hash: H.SHA_256 }],
  [DSA.ECDSAWithSHA384, { kind: "EC", hash: H.SHA_384 }],
  [DSA.ECDSAWithSHA512, { kind: "EC", hash: H.SHA_512 }],
]);

function kindOfAlgorithm(value: number): KeyKind {
  if (value === CryptographicAlgorithm.RSA) return "RSA";
  if (value === CryptographicAlgorithm.ECDSA || value === CryptographicAlgorithm.EC) return "EC";
  if (value === CryptographicAlgorithm.Ed25519) return "Ed25519";
  throw kmipErrors.notSupported(
    `Cryptographic Parameters: Cryptographic Algorithm ${enumText(Tag.CryptographicAlgorithm, value)} is not supported for Sign (RSA, ECDSA, EC, Ed25519)`,
  );
}

/** Sign, or Signature Verify, which also accepts SHA-1 (algorithms.ts, SHA1). */
export type SignPurpose = "sign" | "verify";

function hashOf(tag: number, value: number, purpose: SignPurpose): HashSpec {
  const hash = hashByKmip(value, purpose === "verify");
  if (hash === undefined) {
    const sha1 = value === HashingAlgorithm.SHA_1 ? "; SHA_1 only for Signature Verify" : "";
    throw kmipErrors.notSupported(
      `Cryptographic Parameters: ${enumText(tag, value)} is not a supported hash (SHA_256, SHA_384, SHA_512${sha1})`,
    );
  }
  return hash;
}

function paddingOf(value: number | undefined): RsaPadding | undefined {
  if (value === undefined || value === PaddingMethod.None) return undefined;
  if (value === PaddingMethod.PKCS1V1_5) return "PKCS1";
  if (value === PaddingMethod.PSS) return "PSS";
  throw kmipErrors.notSupported(
    `Cryptographic Parameters: Padding Method ${enumText(Tag.PaddingMethod, value)} is not supported for Sign (PKCS1V1_5, PSS)`,
  );
}

/** One field given twice (explicitly and through Digital Signature Algorithm) must agree. */
function merge<T>(explicit: T | undefined, implied: T | undefined, field: string): T | undefined {
  if (explicit !== undefined && implied !== undefined && explicit !== implied) {
    throw kmipErrors.invalidField(
      `Cryptographic Parameters: ${field} contradicts Digital Signature Algorithm`,
    );
  }
  return explicit ?? implied;
}

function checkPssFields(params: TtlvItem): void {
  const generator = optional(params, Tag.MaskGenerator, "Enumeration");
  if (generator !== undefined && generator !== MaskGenerator.MGF1) {
    throw kmipErrors.notSupported(
      "Cryptographic Parameters: only Mask Generator MGF1 is supported",
    );
  }
  const trailer = optional(params, Tag.TrailerField, "Integer");
  if (trailer !== undefined && trailer !== 1) {
    throw kmipErrors.notSupported(
      "Cryptographic Parameters: only Trailer Field 1 (0xBC) is supported",
    );
  }
}

/**
 * Reads a Cryptographic Parameters structure (undefined: none given). SHA-1 is read only for
 * `purpose` "verify": the relay does not make SHA-1 signatures.
 */
export function readSignParameters(
  params: TtlvItem | undefined,
  purpose: SignPurpose = "sign",
): SignParameters {
  if (params === undefined) return {};
  const algorithm = optional(params, Tag.CryptographicAlgorithm, "Enumeration");
  const dsaValue = optional(params, Tag.DigitalSignatureAlgorithm, "Enumeration");
  const hashValue = optional(params, Tag.HashingAlgorithm, "Enumeration");
  const mgfValue = optional(params, Tag.MaskGeneratorHashingAlgorithm, "Enumeration");
  const saltLength = optional(params, Tag.SaltLength, "Integer");
  checkPssFields(params);
  const implied = dsaValue === undefined ? undefined : SIGNATURE_ALGORITHMS.get(dsaValue);
  if (dsaValue !== undefined && implied === undefined) {
    throw kmipErrors.notSupported(
      `Cryptographic Parameters: Digital Signature Algorithm ${enumText(Tag.DigitalSignatureAlgorithm, dsaValue)} is not supported`,
    );
  }
  const kind = merge(
    algorithm === undefined ? undefined : kindOfAlgorithm(algorithm),
    implied?.kind,
    "Cryptographic Algorithm",
  );
  const hashKmip = merge(hashValue, implied?.hash, "Hashing Algorithm");
  const padding = merge(
    paddingOf(optional(params, Tag.PaddingMethod, "Enumeration")),
    implied?.padding,
    "Padding Method",
  );
  const result: {
    kind?: KeyKind;
    hash?: HashSpec;
    padding?: RsaPadding;
    saltLength?: number;
    mgfHash?: HashSpec;
  } = {};
  if (kind !== undefined) result.kind = kind;
  if (hashKmip !== undefined) result.hash = hashOf(Tag.HashingAlgorithm, hashKmip, purpose);
  if (padding !== undefined) result.padding = padding;
  if (saltLength !== undefined) result.saltLength = saltLength;
  if (mgfValue !== undefined) {
    result.mgfHash = hashOf(Tag.MaskGeneratorHashingAlgorithm, mgfValue, purpose);
  }
  return result;
}

/** The plan for a key of `kind` (from the parameters, else looked up on the token). */
export function planFor(params: SignParameters, kind: KeyKind): SignPlan {
  if (kind === "RSA") {
    const hash = params.hash ?? DEFAULT_HASH;
    const saltLength = params.saltLength ?? hash.length;
    if (saltLength < 0)
      throw kmipErrors.invalidField("Cryptographic Parameters: negative Salt Length");
    return {
      kind,
      padding: params.padding ?? "PKCS1",
      hash,
      saltLength,
      mgfHash: params.mgfHash ?? hash,
    };
  }
  if (params.padding !== undefined) {
    throw kmipErrors.invalidField(
      `Cryptographic Parameters: Padding Method ${params.padding} does not apply to ${kind} keys`,
    );
  }
  if (kind === "EC") {
    return { kind, hash: params.hash ?? DEFAULT_HASH, hashGiven: params.hash !== undefined };
  }
  if (params.hash !== undefined && params.hash.kmip !== H.SHA_512) {
    throw kmipErrors.invalidField(
      `Cryptographic Parameters: Ed25519 signs with SHA-512, not ${params.hash.name}`,
    );
  }
  return { kind };
}
