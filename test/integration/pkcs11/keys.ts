/**
 * Key templates and signature checks shared by the PKCS#11 integration tests: signatures
 * made by SoftHSM2 are verified with node:crypto against the public key read back from the
 * token.
 */
import {
  createHash,
  createPublicKey,
  verify as cryptoVerify,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import type { Pkcs11Client } from "../../../src/pkcs11/client.js";
import { CKA, CKM, CKO } from "../../../src/pkcs11/constants.js";
import type { Attr, Mechanism, ObjectRef } from "../../../src/pkcs11/types.js";

/** DER OID of prime256v1 (secp256r1), as CKA_EC_PARAMS. */
export const P256_PARAMS = Buffer.from("06082a8648ce3d030107", "hex");
/** DER OID of Ed25519 (1.3.101.112), as CKA_EC_PARAMS. */
export const ED25519_PARAMS = Buffer.from("06032b6570", "hex");

export type KeyKind = "rsa" | "p256" | "ed25519";

export interface KeyPairRefs {
  readonly kind: KeyKind;
  readonly id: Uint8Array;
  readonly publicRef: ObjectRef;
  readonly privateRef: ObjectRef;
}

function common(id: Uint8Array, label: string): Attr[] {
  return [
    { type: CKA.TOKEN, value: true },
    { type: CKA.ID, value: id },
    { type: CKA.LABEL, value: label },
  ];
}

/** Generates a token key pair of the given kind with a random CKA_ID. */
export async function generateKeyPair(
  client: Pkcs11Client,
  token: string,
  kind: KeyKind,
  label = `${kind}-${randomBytes(4).toString("hex")}`,
): Promise<KeyPairRefs> {
  const id = randomBytes(16);
  const pub: Attr[] = [...common(id, label), { type: CKA.VERIFY, value: true }];
  const priv: Attr[] = [
    ...common(id, label),
    { type: CKA.PRIVATE, value: true },
    { type: CKA.SENSITIVE, value: true },
    { type: CKA.SIGN, value: true },
  ];
  let mechanism: Mechanism;
  if (kind === "rsa") {
    mechanism = { type: CKM.RSA_PKCS_KEY_PAIR_GEN };
    pub.push({ type: CKA.MODULUS_BITS, value: 2048 }, { type: CKA.PUBLIC_EXPONENT, value: 65537n });
  } else {
    mechanism = { type: kind === "p256" ? CKM.EC_KEY_PAIR_GEN : CKM.EC_EDWARDS_KEY_PAIR_GEN };
    pub.push({ type: CKA.EC_PARAMS, value: kind === "p256" ? P256_PARAMS : ED25519_PARAMS });
  }
  await client.generateKeyPair(token, mechanism, pub, priv);
  return {
    kind,
    id,
    publicRef: { id, cls: CKO.PUBLIC_KEY },
    privateRef: { id, cls: CKO.PRIVATE_KEY },
  };
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");

/** CKA_EC_POINT comes DER-wrapped as an OCTET STRING: returns its content. */
export function unwrapOctetString(der: Uint8Array): Uint8Array {
  if (der[0] !== 0x04) throw new Error("CKA_EC_POINT is not an OCTET STRING");
  const first = der[1] ?? 0;
  const lengthBytes = first & 0x80 ? first & 0x7f : 0;
  return der.subarray(2 + lengthBytes);
}

/** The public key as node:crypto sees it, built from attributes read back from the token. */
export async function readPublicKey(
  client: Pkcs11Client,
  token: string,
  pair: KeyPairRefs,
): Promise<KeyObject> {
  if (pair.kind === "rsa") {
    const attrs = await client.getAttributes(token, pair.publicRef, [
      CKA.MODULUS,
      CKA.PUBLIC_EXPONENT,
    ]);
    const n = attrs.get(CKA.MODULUS);
    const e = attrs.get(CKA.PUBLIC_EXPONENT);
    if (!n || !e) throw new Error("RSA public key attributes missing");
    return createPublicKey({ key: { kty: "RSA", n: b64url(n), e: b64url(e) }, format: "jwk" });
  }
  const attrs = await client.getAttributes(token, pair.publicRef, [CKA.EC_POINT, CKA.KEY_TYPE]);
  const point = attrs.get(CKA.EC_POINT);
  if (!point) throw new Error("CKA_EC_POINT missing");
  const raw = unwrapOctetString(point);
  if (pair.kind === "ed25519") {
    return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64url(raw) }, format: "jwk" });
  }
  // Uncompressed point: 04 || X || Y.
  const x = raw.subarray(1, 33);
  const y = raw.subarray(33, 65);
  return createPublicKey({
    key: { kty: "EC", crv: "P-256", x: b64url(x), y: b64url(y) },
    format: "jwk",
  });
}

/** The mechanism and the bytes the token signs for `message`. */
export function signingInput(
  kind: KeyKind,
  message: Uint8Array,
): { mechanism: Mechanism; data: Uint8Array } {
  if (kind === "rsa") return { mechanism: { type: CKM.SHA256_RSA_PKCS }, data: message };
  if (kind === "p256") {
    // SoftHSM2 has only raw CKM_ECDSA: the host hashes.
    return { mechanism: { type: CKM.ECDSA }, data: createHash("sha256").update(message).digest() };
  }
  return { mechanism: { type: CKM.EDDSA }, data: message };
}

/** Verifies a token signature over `message` with node:crypto. */
export function verifyWithNode(
  kind: KeyKind,
  key: KeyObject,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (kind === "rsa") return cryptoVerify("sha256", message, key, signature);
  if (kind === "p256")
    return cryptoVerify("sha256", message, { key, dsaEncoding: "ieee-p1363" }, signature);
  return cryptoVerify(null, message, key, signature);
}

/** Signs `message` on the token and checks the signature with node:crypto. */
export async function signAndCheck(
  client: Pkcs11Client,
  token: string,
  pair: KeyPairRefs,
  key: KeyObject,
  message: Uint8Array = randomBytes(64),
): Promise<boolean> {
  const { mechanism, data } = signingInput(pair.kind, message);
  const signature = await client.sign(token, pair.privateRef, mechanism, data);
  return verifyWithNode(pair.kind, key, message, signature);
}
