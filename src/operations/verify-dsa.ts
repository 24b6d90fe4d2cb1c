/**
 * Signature Verify of a DSA signature (FIPS 186-4) with a registered DSA public key
 * (register-dsa.ts): C_VerifyInit + C_Verify with CKM_DSA_SHA1/SHA224/SHA256/SHA384/SHA512
 * over Data, or CKM_DSA over Digested Data (PKCS#11 v2.40 sections 2.2.6-2.2.7).
 *
 * Taken when the request's Cryptographic Parameters name DSA: Cryptographic Algorithm DSA
 * (hash: Hashing Algorithm, SHA-256 by default; SHA-1 accepted, for verifying only) or
 * Digital Signature Algorithm DSA with SHA-1 / SHA-224 / SHA-256. Signature Data is the DER
 * Dss-Sig-Value SEQUENCE{r, s} (RFC 3279 section 2.2.2); the token takes r||s, each as long as
 * Q. A signature that is not such a DER value is Invalid.
 */
import {
  CryptographicAlgorithm,
  DigitalSignatureAlgorithm,
  HashingAlgorithm,
} from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA, CKK, CKM, ckkName } from "../pkcs11/constants.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { ecdsaDerToRaw } from "./der.js";
import { attrBytes, enumText, ulongOf } from "./keys.js";
import type { SignInput } from "./sign.js";

const OP = "Signature Verify";
const H = HashingAlgorithm;

/** A hash DSA verifies with. */
interface DsaHash {
  readonly name: string;
  readonly kmip: number;
  /** CKM_DSA_SHA*. */
  readonly ckm: number;
  /** Digest length in bytes. */
  readonly length: number;
}

/** The hashes of DSA signatures, as data. */
const DSA_HASHES: readonly DsaHash[] = [
  { name: "SHA-1", kmip: H.SHA_1, ckm: CKM.DSA_SHA1, length: 20 },
  { name: "SHA-224", kmip: H.SHA_224, ckm: CKM.DSA_SHA224, length: 28 },
  { name: "SHA-256", kmip: H.SHA_256, ckm: CKM.DSA_SHA256, length: 32 },
  { name: "SHA-384", kmip: H.SHA_384, ckm: CKM.DSA_SHA384, length: 48 },
  { name: "SHA-512", kmip: H.SHA_512, ckm: CKM.DSA_SHA512, length: 64 },
];

/** Digital Signature Algorithm DSA with SHA-x -> the hash's KMIP value. */
const DSA_SIGNATURE_HASH: ReadonlyMap<number, number> = new Map([
  [DigitalSignatureAlgorithm.DSAWithSHA_1, H.SHA_1],
  [DigitalSignatureAlgorithm.DSAWithSHA224, H.SHA_224],
  [DigitalSignatureAlgorithm.DSAWithSHA256, H.SHA_256],
]);

/** Whether Cryptographic Parameters name DSA. */
export function namesDsa(params: TtlvItem | undefined): boolean {
  if (params === undefined) return false;
  const algorithm = optional(params, Tag.CryptographicAlgorithm, "Enumeration");
  const signature = optional(params, Tag.DigitalSignatureAlgorithm, "Enumeration");
  return (
    algorithm === CryptographicAlgorithm.DSA ||
    (signature !== undefined && DSA_SIGNATURE_HASH.has(signature))
  );
}

/** The hash of a DSA request (Invalid Field when two fields disagree). */
function dsaHashOf(params: TtlvItem): DsaHash {
  const given = optional(params, Tag.HashingAlgorithm, "Enumeration");
  const signature = optional(params, Tag.DigitalSignatureAlgorithm, "Enumeration");
  const implied = signature === undefined ? undefined : DSA_SIGNATURE_HASH.get(signature);
  if (given !== undefined && implied !== undefined && given !== implied) {
    throw kmipErrors.invalidField(
      `${OP}: Cryptographic Parameters: Hashing Algorithm contradicts Digital Signature Algorithm`,
    );
  }
  const kmip = given ?? implied ?? H.SHA_256;
  const hash = DSA_HASHES.find((h) => h.kmip === kmip);
  if (hash === undefined) {
    throw kmipErrors.notSupported(
      `${OP}: Cryptographic Parameters: ${enumText(Tag.HashingAlgorithm, kmip)} is not supported for DSA (SHA_1, SHA_224, SHA_256, SHA_384, SHA_512)`,
    );
  }
  return hash;
}

/** Q's length in bytes: the length of r and s (leading zero bytes of CKA_SUBPRIME aside). */
function lengthOfQ(subprime: Uint8Array): number {
  let start = 0;
  while (start < subprime.length - 1 && subprime[start] === 0) start++;
  return subprime.length - start;
}

/** Verifies `signature` with the DSA public key `ref`. */
export async function verifyDsa(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
  params: TtlvItem,
  input: SignInput,
  signature: Uint8Array,
): Promise<boolean> {
  const hash = dsaHashOf(params);
  const values = await client.getAttributes(token, ref, [CKA.KEY_TYPE, CKA.SUBPRIME]);
  const keyType = ulongOf(attrBytes(values, CKA.KEY_TYPE));
  if (keyType !== CKK.DSA) {
    throw kmipErrors.invalidField(
      `${OP}: Cryptographic Parameters ask for DSA but the key is ${ckkName(keyType)}`,
    );
  }
  if (input.digested && input.data.length !== hash.length) {
    throw kmipErrors.invalidField(
      `${OP}: Digested Data of ${input.data.length} bytes is not a ${hash.name} digest (${hash.length})`,
    );
  }
  const rs = ecdsaDerToRaw(signature, lengthOfQ(attrBytes(values, CKA.SUBPRIME)));
  if (rs === undefined) return false;
  const mechanism = { type: input.digested ? CKM.DSA : hash.ckm };
  return client.verify(token, ref, mechanism, input.data, rs);
}
