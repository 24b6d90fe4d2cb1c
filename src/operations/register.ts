/**
 * Register (KMIP 1.4 section 4.3, KMIP 2.1 section 6.1.44): C_CreateObject of a public key,
 * a private key or a secret key given by the client, as a token object (CKA_TOKEN) with a
 * fresh random 20-byte CKA_ID, named `<HEX>_pub` / `<HEX>_priv` / `<HEX>_sec` (uid.ts).
 *
 * Request: Object Type (Public Key, Private Key or Symmetric Key), Template-Attribute (1.x)
 * or Attributes (2.x), and the key object (register-material.ts and
 * register-private-material.ts for the formats). Response: Unique Identifier.
 *
 * Attributes used: Name (-> CKA_LABEL), Cryptographic Usage Mask, Cryptographic Algorithm and
 * Length (they must agree with the key material and the Key Block), Sensitive / Extractable
 * (secret keys); others are ignored as in Create Key Pair.
 * - Public keys (RSA 1024 with allowRsa1024, 2048-16384 bits; EC P-256/384/521, secp256k1;
 *   Ed25519):
 *   CKA_MODULUS + CKA_PUBLIC_EXPONENT, or CKA_EC_PARAMS + CKA_EC_POINT (DER OCTET STRING).
 *   CKA_VERIFY, CKA_ENCRYPT and CKA_WRAP set from the mask (default Verify only).
 *   A Cryptographic Parameters attribute naming a padding or hash is recorded as
 *   CKA_ALLOWED_MECHANISMS (public and private keys), Sign's and Signature Verify's default.
 * - DSA public keys (Transparent DSA Public Key, FIPS 186-4 sizes): register-dsa.ts.
 * - Private keys (same algorithms and sizes): register-private.ts; always sensitive and not
 *   extractable.
 * - Secret keys (register-secret.ts): AES (CKK_AES), DES3 (CKK_DES3) and HMAC_SHA256/384/512
 *   (CKK_GENERIC_SECRET with CKA_ALLOWED_MECHANISMS = the CKM_SHA*_HMAC, as Create makes
 *   them; also an AES key whose Cryptographic Parameters name an HMAC). CKA_VALUE,
 *   CKA_PRIVATE true, CKA_SENSITIVE true and CKA_EXTRACTABLE false unless Sensitive false /
 *   Extractable true are asked for; usage as Create (default Encrypt|Decrypt for AES and
 *   DES3, MAC Generate|MAC Verify for HMAC).
 * Usage attributes not asked for are set false, with one retry without those false values
 * for HSMs that refuse them (usage-template.ts). Other objects: Feature Not Supported.
 */
import type { KeyObject } from "node:crypto";
import { CryptographicAlgorithm, KeyFormatType, ObjectType, Operation } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { build, findChild, type ItemOf, required } from "../kmip/item.js";
import { CryptographicUsageMask } from "../kmip/masks.js";
import { Tag } from "../kmip/tags.js";
import { type KmipAttribute, readAttributes } from "../kmip/template.js";
import { CKA, CKK, CKO } from "../pkcs11/constants.js";
import type { Attr } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { ED25519_OID } from "./algorithms.js";
import { fieldText } from "./attribute-refs.js";
import { derOctetString } from "./der.js";
import { enumText, type KeyKind, requireToken } from "./keys.js";
import {
  checkRsaBits,
  checkStated,
  curveOfJwk,
  fromB64,
  labelAttr,
  signMechanismsAttr,
  single,
} from "./register-common.js";
import { dsaPublicKeyAttributes } from "./register-dsa.js";
import { type KeyBlockFields, publicKeyOf, readKeyBlock } from "./register-material.js";
import { privateKeyTemplate } from "./register-private.js";
import { secretKeyTemplate } from "./register-secret.js";
import type { OperationHandler, OperationOptions } from "./types.js";
import { newKeyId, uidOf } from "./uid.js";
import { createWithUsageFallback, publicKeyUsage } from "./usage-template.js";

const OP = "Register";
const M = CryptographicUsageMask;
const A = CryptographicAlgorithm;

/** Key type and material attributes of a public key, and what it is. */
function publicKeyAttributes(
  key: KeyObject,
  options: OperationOptions | undefined,
): { attrs: Attr[]; kind: KeyKind; algorithms: number[]; bits: number; name: string } {
  const jwk = key.export({ format: "jwk" });
  if (key.asymmetricKeyType === "rsa") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    checkRsaBits(bits, options);
    const attrs: Attr[] = [
      { type: CKA.KEY_TYPE, value: CKK.RSA },
      { type: CKA.MODULUS, value: fromB64(jwk.n) },
      { type: CKA.PUBLIC_EXPONENT, value: fromB64(jwk.e) },
    ];
    return { attrs, kind: "RSA", algorithms: [A.RSA], bits, name: "RSA" };
  }
  if (key.asymmetricKeyType === "ec") {
    const curve = curveOfJwk(jwk.crv);
    const point = new Uint8Array([4, ...fromB64(jwk.x), ...fromB64(jwk.y)]);
    const attrs: Attr[] = [
      { type: CKA.KEY_TYPE, value: CKK.EC },
      { type: CKA.EC_PARAMS, value: curve.oid },
      { type: CKA.EC_POINT, value: derOctetString(point) },
    ];
    return {
      attrs,
      kind: "EC",
      algorithms: [A.ECDSA, A.EC],
      bits: curve.bits,
      name: curve.name,
    };
  }
  if (key.asymmetricKeyType === "ed25519") {
    const attrs: Attr[] = [
      { type: CKA.KEY_TYPE, value: CKK.EC_EDWARDS },
      { type: CKA.EC_PARAMS, value: ED25519_OID },
      { type: CKA.EC_POINT, value: derOctetString(fromB64(jwk.x)) },
    ];
    return { attrs, kind: "Ed25519", algorithms: [A.Ed25519], bits: 256, name: "Ed25519" };
  }
  throw kmipErrors.notSupported(
    `${OP}: ${key.asymmetricKeyType ?? "this"} public keys are not supported (RSA, EC, Ed25519)`,
  );
}

/** The C_CreateObject template of a public key. */
export function publicKeyTemplate(
  attrs: readonly KmipAttribute[],
  block: KeyBlockFields,
  id: Uint8Array,
  options?: OperationOptions,
): Attr[] {
  const dsa =
    block.format === KeyFormatType.TransparentDSAPublicKey
      ? dsaPublicKeyAttributes(block.material, options)
      : undefined;
  const key =
    dsa === undefined
      ? publicKeyAttributes(publicKeyOf(block), options)
      : { ...dsa.facts, attrs: dsa.attrs, kind: undefined };
  checkStated(attrs, block, key);
  const mask = single(attrs, Tag.CryptographicUsageMask, "Integer") ?? M.Verify;
  return [
    { type: CKA.CLASS, value: CKO.PUBLIC_KEY },
    ...key.attrs.slice(0, 1),
    { type: CKA.ID, value: id },
    { type: CKA.TOKEN, value: true },
    ...labelAttr(attrs),
    ...publicKeyUsage(mask),
    ...(key.kind === undefined ? [] : signMechanismsAttr(attrs, key.kind)),
    ...key.attrs.slice(1),
  ];
}

function registerAttributes(payload: ItemOf<"Structure">): KmipAttribute[] {
  const container = findChild(payload, Tag.TemplateAttribute) ?? findChild(payload, Tag.Attributes);
  return container === undefined ? [] : readAttributes(container);
}

function objectOf(payload: ItemOf<"Structure">, tag: number): TtlvItem {
  const object = findChild(payload, tag);
  if (object === undefined) throw kmipErrors.missingData(`${OP}: ${fieldText(tag)} is required`);
  return object;
}

/** The Register handler. */
export const register: OperationHandler = {
  operation: Operation.Register,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, OP);
    const objectType = required(payload, Tag.ObjectType, "Enumeration");
    const attrs = registerAttributes(payload);
    const id = newKeyId();
    let template: Attr[];
    let uid: string;
    if (objectType === ObjectType.PublicKey) {
      const block = readKeyBlock(objectOf(payload, Tag.PublicKey));
      template = publicKeyTemplate(attrs, block, id, ctx.options);
      uid = uidOf(id, "public");
    } else if (objectType === ObjectType.SymmetricKey) {
      template = secretKeyTemplate(attrs, readKeyBlock(objectOf(payload, Tag.SymmetricKey)), id);
      uid = uidOf(id, "secret");
    } else if (objectType === ObjectType.PrivateKey) {
      const block = readKeyBlock(objectOf(payload, Tag.PrivateKey));
      template = privateKeyTemplate(attrs, block, id, ctx.options);
      uid = uidOf(id, "private");
    } else {
      throw kmipErrors.notSupported(
        `${OP}: Object Type ${enumText(Tag.ObjectType, objectType)} is not supported (Public Key, Private Key, Symmetric Key)`,
      );
    }
    await createWithUsageFallback([template], async ([t]) => {
      await ctx.client.createObject(token, t ?? template);
    });
    return { uid, payload: [build.textString(Tag.UniqueIdentifier, uid)] };
  },
};
