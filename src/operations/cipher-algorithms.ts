/**
 * The symmetric and encryption algorithms the relay supports, as data: AES key sizes, HMAC
 * (KMIP Cryptographic Algorithm <-> PKCS#11 mechanism and key types) and the hashes of RSA
 * OAEP (KMIP Hashing Algorithm <-> CKM_* and CKG_MGF1_*).
 */
import { CryptographicAlgorithm, HashingAlgorithm } from "../kmip/enums.js";
import { CKG, CKM } from "../pkcs11/constants.js";

/** AES key sizes in bits (Cryptographic Length). */
export const AES_KEY_BITS: readonly number[] = [128, 192, 256];

/** AES block size in bytes: the IV of CBC. */
export const AES_BLOCK_BYTES = 16;

/** DES3 block size in bytes (NIST SP 800-67): the IV of CBC. */
export const DES3_BLOCK_BYTES = 8;

/** A block cipher of Encrypt / Decrypt in ECB and CBC mode, with its PKCS#11 mechanisms. */
export interface BlockCipherSpec {
  readonly name: "AES" | "DES3";
  /** KMIP Cryptographic Algorithm. */
  readonly kmip: number;
  /** Block size in bytes: CBC's IV, PKCS#5 padding. */
  readonly blockBytes: number;
  readonly ecb: number;
  readonly cbc: number;
  /** CBC with PKCS#5 padding done by the token. */
  readonly cbcPad: number;
}

/** AES (FIPS 197): CKM_AES_ECB, CKM_AES_CBC, CKM_AES_CBC_PAD; GCM apart (cipher-plan.ts). */
export const AES_CIPHER: BlockCipherSpec = {
  name: "AES",
  kmip: CryptographicAlgorithm.AES,
  blockBytes: AES_BLOCK_BYTES,
  ecb: CKM.AES_ECB,
  cbc: CKM.AES_CBC,
  cbcPad: CKM.AES_CBC_PAD,
};

/** DES3 (TDEA, NIST SP 800-67): CKM_DES3_ECB, CKM_DES3_CBC, CKM_DES3_CBC_PAD. */
export const DES3_CIPHER: BlockCipherSpec = {
  name: "DES3",
  kmip: CryptographicAlgorithm.DES3,
  blockBytes: DES3_BLOCK_BYTES,
  ecb: CKM.DES3_ECB,
  cbc: CKM.DES3_CBC,
  cbcPad: CKM.DES3_CBC_PAD,
};

/**
 * DES3 key bytes -> the Cryptographic Length KMIP states for them (56 key bits per 8-byte
 * DES key, the parity bits left out): three keys, or two (K3 = K1).
 */
export const DES3_KEY_BYTES: ReadonlyMap<number, number> = new Map([
  [24, 168],
  [16, 112],
]);

/**
 * PKCS#11 v2.40 key types of HMAC keys made by other tools (CKK_SHA256_HMAC ...). The relay
 * itself generates CKK_GENERIC_SECRET keys (SoftHSM2 generates no other kind for HMAC).
 */
const CKK_SHA_HMAC = { SHA256: 0x2b, SHA384: 0x2c, SHA512: 0x2d } as const;

/** An HMAC algorithm. */
export interface HmacSpec {
  readonly name: string;
  /** KMIP Cryptographic Algorithm. */
  readonly kmip: number;
  /** KMIP Hashing Algorithm of its hash. */
  readonly hash: number;
  /** CKM_SHA*_HMAC. */
  readonly ckm: number;
  /** CKK_SHA*_HMAC (keys of this type are HMAC keys of this hash). */
  readonly keyType: number;
  /** MAC (and default key) length in bytes. */
  readonly length: number;
  /** The hash's block size in bytes: the longest key HMAC uses as it is (RFC 2104). */
  readonly blockBytes: number;
  /** node:crypto name of the hash. */
  readonly node: string;
}

/** HMAC-SHA256, HMAC-SHA384, HMAC-SHA512. */
export const HMACS: readonly HmacSpec[] = [
  {
    name: "HMAC_SHA256",
    kmip: CryptographicAlgorithm.HMAC_SHA256,
    hash: HashingAlgorithm.SHA_256,
    ckm: CKM.SHA256_HMAC,
    keyType: CKK_SHA_HMAC.SHA256,
    length: 32,
    blockBytes: 64,
    node: "sha256",
  },
  {
    name: "HMAC_SHA384",
    kmip: CryptographicAlgorithm.HMAC_SHA384,
    hash: HashingAlgorithm.SHA_384,
    ckm: CKM.SHA384_HMAC,
    keyType: CKK_SHA_HMAC.SHA384,
    length: 48,
    blockBytes: 128,
    node: "sha384",
  },
  {
    name: "HMAC_SHA512",
    kmip: CryptographicAlgorithm.HMAC_SHA512,
    hash: HashingAlgorithm.SHA_512,
    ckm: CKM.SHA512_HMAC,
    keyType: CKK_SHA_HMAC.SHA512,
    length: 64,
    blockBytes: 128,
    node: "sha512",
  },
];

/** The HMAC of a KMIP Cryptographic Algorithm value, if supported. */
export function hmacByAlgorithm(value: number): HmacSpec | undefined {
  return HMACS.find((h) => h.kmip === value);
}

/** The HMAC of a KMIP Hashing Algorithm value, if supported. */
export function hmacByHash(value: number): HmacSpec | undefined {
  return HMACS.find((h) => h.hash === value);
}

/** The HMAC whose mechanism is `ckm`, if supported. */
export function hmacByMechanism(ckm: number): HmacSpec | undefined {
  return HMACS.find((h) => h.ckm === ckm);
}

/** The HMAC whose dedicated key type is `keyType` (CKK_SHA*_HMAC), if any. */
export function hmacByKeyType(keyType: number): HmacSpec | undefined {
  return HMACS.find((h) => h.keyType === keyType);
}

/** A hash usable in RSA OAEP (CK_RSA_PKCS_OAEP_PARAMS). */
export interface OaepHashSpec {
  readonly name: string;
  /** KMIP Hashing Algorithm. */
  readonly kmip: number;
  readonly ckm: number;
  readonly mgf: number;
  /** Digest length in bytes. */
  readonly length: number;
}

/** SHA-1 (the PKCS#1 default, the only one SoftHSM2 2.6 implements), SHA-256/384/512. */
export const OAEP_HASHES: readonly OaepHashSpec[] = [
  { name: "SHA-1", kmip: HashingAlgorithm.SHA_1, ckm: CKM.SHA_1, mgf: CKG.MGF1_SHA1, length: 20 },
  {
    name: "SHA-256",
    kmip: HashingAlgorithm.SHA_256,
    ckm: CKM.SHA256,
    mgf: CKG.MGF1_SHA256,
    length: 32,
  },
  {
    name: "SHA-384",
    kmip: HashingAlgorithm.SHA_384,
    ckm: CKM.SHA384,
    mgf: CKG.MGF1_SHA384,
    length: 48,
  },
  {
    name: "SHA-512",
    kmip: HashingAlgorithm.SHA_512,
    ckm: CKM.SHA512,
    mgf: CKG.MGF1_SHA512,
    length: 64,
  },
];

/** The OAEP hash of a KMIP Hashing Algorithm value, if supported. */
export function oaepHashByKmip(value: number): OaepHashSpec | undefined {
  return OAEP_HASHES.find((h) => h.kmip === value);
}

/** SHA-256: the OAEP hash when the request names none. */
export const DEFAULT_OAEP_HASH: OaepHashSpec = OAEP_HASHES[1]!;
