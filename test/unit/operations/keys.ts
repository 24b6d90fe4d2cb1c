/** Real key material (node:crypto) as PKCS#11 attribute values, for the fake client. */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { CKA, CKK } from "../../../src/pkcs11/constants.js";
import type { AttrValues } from "../../../src/pkcs11/types.js";
import { attrValues, ulongBytes } from "./fake.js";

const b = (s: string | undefined): Uint8Array => new Uint8Array(Buffer.from(s ?? "", "base64url"));
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

/** A key pair and the public key's attributes as a token returns them. */
export interface TokenKey {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  readonly attributes: AttrValues;
}

export function rsaKey(bits = 2048): TokenKey {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const jwk = publicKey.export({ format: "jwk" });
  return {
    publicKey,
    privateKey,
    attributes: attrValues([
      [CKA.KEY_TYPE, ulongBytes(CKK.RSA)],
      [CKA.MODULUS, b(jwk.n)],
      [CKA.PUBLIC_EXPONENT, b(jwk.e)],
      [CKA.EC_PARAMS, null],
      [CKA.EC_POINT, null],
    ]),
  };
}

const OIDS: Record<string, string> = {
  "P-256": "06082a8648ce3d030107",
  "P-384": "06052b81040022",
  "P-521": "06052b81040023",
};

/** An EC key; `wrapped` gives CKA_EC_POINT inside a DER OCTET STRING (as PKCS#11 says). */
export function ecKey(curve: "P-256" | "P-384" | "P-521", wrapped = true): TokenKey {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: curve });
  const jwk = publicKey.export({ format: "jwk" });
  const point = new Uint8Array([4, ...b(jwk.x), ...b(jwk.y)]);
  const len = point.length < 128 ? [point.length] : [0x81, point.length];
  return {
    publicKey,
    privateKey,
    attributes: attrValues([
      [CKA.KEY_TYPE, ulongBytes(CKK.EC)],
      [CKA.MODULUS, null],
      [CKA.PUBLIC_EXPONENT, null],
      [CKA.EC_PARAMS, hex(OIDS[curve] ?? "")],
      [CKA.EC_POINT, wrapped ? new Uint8Array([4, ...len, ...point]) : point],
    ]),
  };
}

export function ed25519Key(wrapped = true): TokenKey {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const x = b(publicKey.export({ format: "jwk" }).x);
  return {
    publicKey,
    privateKey,
    attributes: attrValues([
      [CKA.KEY_TYPE, ulongBytes(CKK.EC_EDWARDS)],
      [CKA.MODULUS, null],
      [CKA.PUBLIC_EXPONENT, null],
      [CKA.EC_PARAMS, hex("06032b6570")],
      [CKA.EC_POINT, wrapped ? new Uint8Array([4, 32, ...x]) : x],
    ]),
  };
}
