/**
 * Independent checks, with node:crypto, of what PyKMIP got from the relay: public keys as
 * PyKMIP's Get returned them, and signatures as PyKMIP's Sign returned them.
 */
import { constants, createPublicKey, type KeyObject, verify } from "node:crypto";
import type { PublicKeyResult, SignParams } from "./pykmip-driver.js";

/**
 * A node:crypto key from a PyKMIP public key: PKCS_1 holds an RSAPublicKey (RFC 8017 A.1.1);
 * X_509 and Raw (the relay's default for EC and Ed25519) a DER SubjectPublicKeyInfo.
 */
export function publicKeyOf(key: Pick<PublicKeyResult, "format" | "der">): KeyObject {
  const der = Buffer.from(key.der, "hex");
  const type = key.format === "PKCS_1" ? "pkcs1" : "spki";
  return createPublicKey({ key: der, format: "der", type });
}

/** The DER SubjectPublicKeyInfo of a key, whatever format it came in. */
export function spkiHex(key: KeyObject): string {
  return key.export({ format: "der", type: "spki" }).toString("hex");
}

const HASH_BY_KMIP: Record<string, string> = {
  SHA_256: "sha256",
  SHA_384: "sha384",
  SHA_512: "sha512",
};

/** Digital Signature Algorithm (KMIP 1.4 section 9.1.3.2.7) -> scheme and hash. */
const BY_SIGNATURE_ALGORITHM: Record<string, { scheme: "pkcs1" | "pss" | "ecdsa"; hash?: string }> =
  {
    SHA256_WITH_RSA_ENCRYPTION: { scheme: "pkcs1", hash: "sha256" },
    SHA384_WITH_RSA_ENCRYPTION: { scheme: "pkcs1", hash: "sha384" },
    SHA512_WITH_RSA_ENCRYPTION: { scheme: "pkcs1", hash: "sha512" },
    RSASSA_PSS: { scheme: "pss" },
    ECDSA_WITH_SHA256: { scheme: "ecdsa", hash: "sha256" },
    ECDSA_WITH_SHA384: { scheme: "ecdsa", hash: "sha384" },
    ECDSA_WITH_SHA512: { scheme: "ecdsa", hash: "sha512" },
  };

/** The hash a Sign request asked for (SHA-256 when it names none, as the relay does). */
export function hashOf(params: SignParams | null): string {
  if (params?.hashing_algorithm !== undefined) {
    const hash = HASH_BY_KMIP[params.hashing_algorithm];
    if (hash === undefined) throw new Error(`no hash for ${params.hashing_algorithm}`);
    return hash;
  }
  const dsa = params?.digital_signature_algorithm;
  return (dsa === undefined ? undefined : BY_SIGNATURE_ALGORITHM[dsa]?.hash) ?? "sha256";
}

/** Whether a Sign request asked for RSA PSS (Padding Method PSS or RSASSA-PSS). */
export function wantsPss(params: SignParams | null): boolean {
  if (params?.padding_method !== undefined) return params.padding_method === "PSS";
  const dsa = params?.digital_signature_algorithm;
  return dsa !== undefined && BY_SIGNATURE_ALGORITHM[dsa]?.scheme === "pss";
}

/**
 * Whether `signatureHex` signs `dataHex` under `key` as `params` asked: RSA PKCS#1 v1.5, RSA
 * PSS (MGF1 with the same hash, salt length = digest length), ECDSA as an X9.62 DER SEQUENCE
 * (what the incumbent relay returns and KMIP clients expect), or Ed25519.
 */
export function signatureVerifies(
  key: KeyObject,
  params: SignParams | null,
  dataHex: string,
  signatureHex: string,
): boolean {
  const data = Buffer.from(dataHex, "hex");
  const signature = Buffer.from(signatureHex, "hex");
  switch (key.asymmetricKeyType) {
    case "rsa": {
      const padding = wantsPss(params)
        ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
        : { padding: constants.RSA_PKCS1_PADDING };
      return verify(hashOf(params), data, { key, ...padding }, signature);
    }
    case "ec":
      return verify(hashOf(params), data, { key, dsaEncoding: "der" }, signature);
    case "ed25519":
      return verify(null, data, key, signature);
    default:
      throw new Error(`unexpected key type ${key.asymmetricKeyType}`);
  }
}
