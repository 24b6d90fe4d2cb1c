/**
 * The algorithms the relay supports, as data: hashes (KMIP Hashing Algorithm <-> node:crypto
 * <-> PKCS#11 mechanisms) and curves (KMIP Recommended Curve <-> CKA_EC_PARAMS <-> JWK).
 */
import { HashingAlgorithm, RecommendedCurve } from "../kmip/enums.js";
import { CKG, CKM } from "../pkcs11/constants.js";

/** A hash usable for signing. */
export interface HashSpec {
  readonly name: string;
  readonly kmip: number;
  /** node:crypto algorithm name. */
  readonly node: string;
  readonly ckm: number;
  readonly rsaPkcs: number;
  readonly rsaPss: number;
  readonly mgf: number;
  readonly length: number;
  /**
   * DER of DigestInfo (PKCS#1 v2.2, RFC 8017 section 9.2 note 1) up to the digest: the
   * prefix that CKM_RSA_PKCS signing of an already hashed message needs.
   */
  readonly digestInfoPrefix: Uint8Array;
}

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

/** SHA-256, SHA-384, SHA-512. */
export const HASHES: readonly HashSpec[] = [
  {
    name: "SHA-256",
    kmip: HashingAlgorithm.SHA_256,
    node: "sha256",
    ckm: CKM.SHA256,
    rsaPkcs: CKM.SHA256_RSA_PKCS,
    rsaPss: CKM.SHA256_RSA_PKCS_PSS,
    mgf: CKG.MGF1_SHA256,
    length: 32,
    digestInfoPrefix: hex("3031300d060960864801650304020105000420"),
  },
  {
    name: "SHA-384",
    kmip: HashingAlgorithm.SHA_384,
    node: "sha384",
    ckm: CKM.SHA384,
    rsaPkcs: CKM.SHA384_RSA_PKCS,
    rsaPss: CKM.SHA384_RSA_PKCS_PSS,
    mgf: CKG.MGF1_SHA384,
    length: 48,
    digestInfoPrefix: hex("3041300d060960864801650304020205000430"),
  },
  {
    name: "SHA-512",
    kmip: HashingAlgorithm.SHA_512,
    node: "sha512",
    ckm: CKM.SHA512,
    rsaPkcs: CKM.SHA512_RSA_PKCS,
    rsaPss: CKM.SHA512_RSA_PKCS_PSS,
    mgf: CKG.MGF1_SHA512,
    length: 64,
    digestInfoPrefix: hex("3051300d060960864801650304020305000440"),
  },
];

/**
 * SHA-1: broken for collision resistance (NIST SP 800-131A Rev. 2 disallows it for making
 * signatures), kept apart from {@link HASHES} so that it is never a default nor used to sign.
 * Signature Verify accepts it for old signatures (the OASIS CS-AC-M-3 cases name it).
 */
export const SHA1: HashSpec = {
  name: "SHA-1",
  kmip: HashingAlgorithm.SHA_1,
  node: "sha1",
  ckm: CKM.SHA_1,
  rsaPkcs: CKM.SHA1_RSA_PKCS,
  rsaPss: CKM.SHA1_RSA_PKCS_PSS,
  mgf: CKG.MGF1_SHA1,
  length: 20,
  digestInfoPrefix: hex("3021300906052b0e03021a05000414"),
};

/** The hash for a KMIP Hashing Algorithm value, if supported (SHA-1 only when `withSha1`). */
export function hashByKmip(value: number, withSha1 = false): HashSpec | undefined {
  if (withSha1 && value === SHA1.kmip) return SHA1;
  return HASHES.find((h) => h.kmip === value);
}

/** SHA-256: the hash used when a request names none. */
export const DEFAULT_HASH: HashSpec = HASHES[0]!;

/** A prime curve usable for ECDSA. */
export interface CurveSpec {
  readonly name: string;
  readonly kmip: number;
  /** Cryptographic Length of its keys (bit length of the field). */
  readonly bits: number;
  /** DER of the named curve's OBJECT IDENTIFIER: the value of CKA_EC_PARAMS. */
  readonly oid: Uint8Array;
  /** JWK `crv`. */
  readonly jwk: string;
  /** Bytes of one coordinate. */
  readonly coordinateBytes: number;
}

/**
 * P-256, P-384, P-521 (RFC 5480 section 2.1.1.1 OIDs) and secp256k1 (SEC 2 section 2.4.1,
 * OID 1.3.132.0.10; SoftHSM2 takes any curve OpenSSL knows). P-256 stays first: a key asked
 * for by length 256 alone is P-256.
 */
export const CURVES: readonly CurveSpec[] = [
  {
    name: "P-256",
    kmip: RecommendedCurve.P_256,
    bits: 256,
    oid: hex("06082a8648ce3d030107"),
    jwk: "P-256",
    coordinateBytes: 32,
  },
  {
    name: "P-384",
    kmip: RecommendedCurve.P_384,
    bits: 384,
    oid: hex("06052b81040022"),
    jwk: "P-384",
    coordinateBytes: 48,
  },
  {
    name: "P-521",
    kmip: RecommendedCurve.P_521,
    bits: 521,
    oid: hex("06052b81040023"),
    jwk: "P-521",
    coordinateBytes: 66,
  },
  {
    name: "secp256k1",
    kmip: RecommendedCurve.SECP256K1,
    bits: 256,
    oid: hex("06052b8104000a"),
    jwk: "secp256k1",
    coordinateBytes: 32,
  },
];

/** The curves' names for messages: "P-256, P-384, P-521, secp256k1". */
export const CURVE_NAMES: string = CURVES.map((c) => c.name).join(", ");

/** The curves' KMIP Recommended Curve names for messages: "P_256, ..., SECP256K1". */
export const CURVE_KMIP_NAMES: string = CURVES.map((c) =>
  c.name.startsWith("P-") ? c.name.replace("-", "_") : c.name.toUpperCase(),
).join(", ");

/** Ed25519 (RFC 8410): CKA_EC_PARAMS as the OID 1.3.101.112. */
export const ED25519_OID: Uint8Array = hex("06032b6570");
/** Ed25519 CKA_EC_PARAMS as the PrintableString "edwards25519" (PKCS#11 3.0, 2.3.5). */
export const ED25519_NAME: Uint8Array = hex("130c656477617264733235353139");
/** Cryptographic Length reported for Ed25519 keys (the 32-byte public key). */
export const ED25519_BITS = 256;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** The curve whose CKA_EC_PARAMS is `params`, if supported. */
export function curveByParams(params: Uint8Array): CurveSpec | undefined {
  return CURVES.find((c) => sameBytes(c.oid, params));
}

/** Whether CKA_EC_PARAMS names Ed25519. */
export function isEd25519Params(params: Uint8Array): boolean {
  return sameBytes(params, ED25519_OID) || sameBytes(params, ED25519_NAME);
}

/** Smallest and largest RSA modulus accepted by Create Key Pair (1024 only by option). */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 4096;
/** RSA public exponent of generated keys (F4). */
export const RSA_PUBLIC_EXPONENT = 65537n;
