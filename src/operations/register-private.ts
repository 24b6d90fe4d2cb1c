/**
 * Register of a Private Key (KMIP 1.4 section 4.3): the C_CreateObject template of a
 * CKO_PRIVATE_KEY (PKCS#11 3.0 sections 2.1.3 RSA, 2.3.4 EC, 2.3.6 Edwards private key
 * objects) from the key material register-private-material.ts parses.
 *
 * The key is a token object, CKA_PRIVATE, CKA_SENSITIVE true and CKA_EXTRACTABLE false:
 * once registered, its private parts never leave the token. Usage from the Cryptographic
 * Usage Mask (default Sign): CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE (Derive Key or
 * Key Agreement), the ones not asked for set false (usage-template.ts).
 */
import type { KeyObject } from "node:crypto";
import { CryptographicAlgorithm } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { CryptographicUsageMask } from "../kmip/masks.js";
import { Tag } from "../kmip/tags.js";
import type { KmipAttribute } from "../kmip/template.js";
import { CKA, CKK, CKO } from "../pkcs11/constants.js";
import type { Attr } from "../pkcs11/types.js";
import { ED25519_OID } from "./algorithms.js";
import type { KeyKind } from "./keys.js";
import {
  checkRsaBits,
  checkStated,
  curveOfJwk,
  fromB64,
  type KeyFacts,
  labelAttr,
  signMechanismsAttr,
  single,
} from "./register-common.js";
import type { KeyBlockFields } from "./register-material.js";
import { privateKeyOf } from "./register-private-material.js";
import type { OperationOptions } from "./types.js";
import { privateKeyUsage } from "./usage-template.js";

const OP = "Register";
const M = CryptographicUsageMask;
const A = CryptographicAlgorithm;

/** RSA private key parts, JWK name -> CKA. */
const RSA_PARTS = [
  ["n", CKA.MODULUS],
  ["e", CKA.PUBLIC_EXPONENT],
  ["d", CKA.PRIVATE_EXPONENT],
  ["p", CKA.PRIME_1],
  ["q", CKA.PRIME_2],
  ["dp", CKA.EXPONENT_1],
  ["dq", CKA.EXPONENT_2],
  ["qi", CKA.COEFFICIENT],
] as const;

interface PrivateParts extends KeyFacts {
  readonly kind: KeyKind;
  readonly keyType: number;
  readonly material: Attr[];
}

function rsaParts(key: KeyObject, options: OperationOptions | undefined): PrivateParts {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  checkRsaBits(bits, options);
  const jwk = key.export({ format: "jwk" });
  const material = RSA_PARTS.map(([name, type]) => ({ type, value: fromB64(jwk[name]) }));
  return { kind: "RSA", keyType: CKK.RSA, material, algorithms: [A.RSA], bits, name: "RSA" };
}

/** The material of a private key: CKK, the private parts as CKA values, and what it is. */
function privateParts(key: KeyObject, options: OperationOptions | undefined): PrivateParts {
  const kind = key.asymmetricKeyType;
  if (kind === "rsa") return rsaParts(key, options);
  const jwk = key.export({ format: "jwk" });
  if (kind === "ec") {
    const curve = curveOfJwk(jwk.crv);
    const material: Attr[] = [
      { type: CKA.EC_PARAMS, value: curve.oid },
      { type: CKA.VALUE, value: fromB64(jwk.d) },
    ];
    return {
      kind: "EC",
      keyType: CKK.EC,
      material,
      algorithms: [A.ECDSA, A.EC],
      bits: curve.bits,
      name: curve.name,
    };
  }
  if (kind === "ed25519") {
    const material: Attr[] = [
      { type: CKA.EC_PARAMS, value: ED25519_OID },
      { type: CKA.VALUE, value: fromB64(jwk.d) },
    ];
    return {
      kind: "Ed25519",
      keyType: CKK.EC_EDWARDS,
      material,
      algorithms: [A.Ed25519],
      bits: 256,
      name: "Ed25519",
    };
  }
  throw kmipErrors.notSupported(
    `${OP}: ${kind ?? "this"} private keys are not supported (RSA, EC, Ed25519)`,
  );
}

/** The C_CreateObject template of a private key. */
export function privateKeyTemplate(
  attrs: readonly KmipAttribute[],
  block: KeyBlockFields,
  id: Uint8Array,
  options?: OperationOptions,
): Attr[] {
  const parts = privateParts(privateKeyOf(block), options);
  checkStated(attrs, block, parts);
  const mask = single(attrs, Tag.CryptographicUsageMask, "Integer") ?? M.Sign;
  return [
    { type: CKA.CLASS, value: CKO.PRIVATE_KEY },
    { type: CKA.KEY_TYPE, value: parts.keyType },
    { type: CKA.ID, value: id },
    { type: CKA.TOKEN, value: true },
    { type: CKA.PRIVATE, value: true },
    { type: CKA.SENSITIVE, value: true },
    { type: CKA.EXTRACTABLE, value: false },
    ...labelAttr(attrs),
    ...privateKeyUsage(mask),
    ...signMechanismsAttr(attrs, parts.kind),
    ...parts.material,
  ];
}
