/**
 * The KMIP attributes (KMIP 1.4 section 3) of a token object, read from its PKCS#11
 * attributes. Only what PKCS#11 holds is reported; nothing is invented:
 *
 * - Unique Identifier: the UID the object was named by;
 * - Name: CKA_LABEL as an Uninterpreted Text String (absent when the label is empty);
 * - Object Type: CKA_CLASS (Public Key, Private Key, Symmetric Key);
 * - Cryptographic Algorithm: CKA_KEY_TYPE (RSA; ECDSA for EC keys; Ed25519; AES; HMAC keys
 *   as secret-key.ts reads them: CKK_SHA*_HMAC, or CKK_GENERIC_SECRET whose
 *   CKA_ALLOWED_MECHANISMS is one CKM_SHA*_HMAC; other generic secrets have none);
 * - Cryptographic Length: modulus bits (RSA, from CKA_MODULUS), the curve's bits (EC, from
 *   CKA_EC_PARAMS), 256 (Ed25519), CKA_VALUE_LEN * 8 (secret keys);
 * - Digest: SHA-256 of the key material in Get's default Key Format Type (KMIP 1.4 section
 *   3.17): public keys hashed here, secret keys hashed by the token (C_DigestKey,
 *   secret-digest.ts); none for private keys, whose material never leaves the token;
 * - Cryptographic Usage Mask: CKA_SIGN, CKA_VERIFY, CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP,
 *   CKA_UNWRAP, CKA_DERIVE (secret keys: CKA_SIGN/VERIFY as MAC Generate/MAC Verify);
 * - State and the lifecycle dates: from the relay's lifecycle record of the key (see
 *   lifecycle-store.ts), given by the caller; State Active alone for a key without one;
 * - Link: the other half of the pair (Private Key Link / Public Key Link), when an object of
 *   the other class with the same CKA_ID is on the token.
 */
import { createHash } from "node:crypto";
import {
  CryptographicAlgorithm,
  HashingAlgorithm,
  LinkType,
  NameType,
  ObjectType,
  State,
} from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import { build } from "../kmip/item.js";
import { CryptographicUsageMask } from "../kmip/masks.js";
import { Tag } from "../kmip/tags.js";
import { attributeOf, type KmipAttribute } from "../kmip/template.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA, CKK, CKO } from "../pkcs11/constants.js";
import type { AttrValues, ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { curveByParams, ED25519_BITS } from "./algorithms.js";
import { defaultFormat, keyMaterial } from "./key-formats.js";
import { bitLength, ulongOf } from "./keys.js";
import { algorithmOf, lengthOf, type PublicKeyInfo, readPublicKey } from "./public-key.js";
import { secretKeyDigest } from "./secret-digest.js";
import { readSecretKey } from "./secret-key.js";
import { uidOf } from "./uid.js";

const M = CryptographicUsageMask;

/** Usage attributes of each object class (those PKCS#11 defines for it) and their bits. */
const USAGE_BY_CLASS: ReadonlyMap<number, readonly (readonly [number, number])[]> = new Map([
  [
    CKO.PUBLIC_KEY,
    [
      [CKA.VERIFY, M.Verify],
      [CKA.ENCRYPT, M.Encrypt],
      [CKA.WRAP, M.WrapKey],
      [CKA.DERIVE, M.DeriveKey],
    ],
  ],
  [
    CKO.PRIVATE_KEY,
    [
      [CKA.SIGN, M.Sign],
      [CKA.DECRYPT, M.Decrypt],
      [CKA.UNWRAP, M.UnwrapKey],
      [CKA.DERIVE, M.DeriveKey],
    ],
  ],
  [
    CKO.SECRET_KEY,
    [
      [CKA.ENCRYPT, M.Encrypt],
      [CKA.DECRYPT, M.Decrypt],
      [CKA.SIGN, M.MACGenerate],
      [CKA.VERIFY, M.MACVerify],
      [CKA.WRAP, M.WrapKey],
      [CKA.UNWRAP, M.UnwrapKey],
      [CKA.DERIVE, M.DeriveKey],
    ],
  ],
]);

const OBJECT_TYPE_BY_CLASS: ReadonlyMap<number, number> = new Map([
  [CKO.PUBLIC_KEY, ObjectType.PublicKey],
  [CKO.PRIVATE_KEY, ObjectType.PrivateKey],
  [CKO.SECRET_KEY, ObjectType.SymmetricKey],
]);

/** Whether to compute Digest (hashing) and Link (a C_FindObjects) too. */
export interface AttributeWish {
  readonly digest: boolean;
  readonly link: boolean;
}

/** The Object Type of a CKA_CLASS, if it is one the relay names by UID. */
export function objectTypeOfClass(cls: number): number | undefined {
  return OBJECT_TYPE_BY_CLASS.get(cls);
}

function flag(values: AttrValues, type: number): boolean {
  const bytes = values.get(type);
  return bytes !== undefined && bytes !== null && bytes.length > 0 && bytes[0] !== 0;
}

/** The usage mask of an object of class `cls` from its read usage attributes. */
export function usageMaskOf(cls: number, values: AttrValues): number {
  let mask = 0;
  for (const [type, bit] of USAGE_BY_CLASS.get(cls) ?? []) {
    if (flag(values, type)) mask |= bit;
  }
  return mask;
}

/** Algorithm and length of a key that is not a public key (no key material is read). */
async function privateOrSecretShape(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
  keyType: number | undefined,
): Promise<{ algorithm?: number; length?: number }> {
  const read = async (type: number) => (await client.getAttributes(token, ref, [type])).get(type);
  if (keyType === CKK.RSA) {
    const modulus = await read(CKA.MODULUS);
    return { algorithm: CryptographicAlgorithm.RSA, ...lengthField(modulus && bitLength(modulus)) };
  }
  if (keyType === CKK.EC) {
    const params = await read(CKA.EC_PARAMS);
    const curve = params ? curveByParams(params) : undefined;
    return { algorithm: CryptographicAlgorithm.ECDSA, ...lengthField(curve?.bits) };
  }
  if (keyType === CKK.EC_EDWARDS) {
    return { algorithm: CryptographicAlgorithm.Ed25519, length: ED25519_BITS };
  }
  if (ref.cls !== CKO.SECRET_KEY) return {};
  const info = await readSecretKey(client, token, ref, false).catch((err: unknown) => {
    if (err instanceof KmipError) return undefined; // a key type the relay does not handle
    throw err;
  });
  const length = lengthField(info?.bytes === undefined ? undefined : info.bytes * 8);
  return info?.algorithm === undefined ? length : { algorithm: info.algorithm, ...length };
}

function lengthField(bits: number | null | undefined): { length?: number } {
  return bits === undefined || bits === null || bits === 0 ? {} : { length: bits };
}

function digestOf(info: PublicKeyInfo): TtlvItem {
  const format = defaultFormat(info);
  const material = keyMaterial(info, format);
  const bytes = material.type === "ByteString" ? material.value : new Uint8Array();
  return build.structure(Tag.Digest, [
    build.enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
    build.byteString(Tag.DigestValue, new Uint8Array(createHash("sha256").update(bytes).digest())),
    build.enumeration(Tag.KeyFormatType, format),
  ]);
}

/** The other half of a key pair, when it is on the token. */
async function linkOf(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<TtlvItem | undefined> {
  if (ref.cls !== CKO.PUBLIC_KEY && ref.cls !== CKO.PRIVATE_KEY) return undefined;
  const toPrivate = ref.cls === CKO.PUBLIC_KEY;
  const otherClass = toPrivate ? CKO.PRIVATE_KEY : CKO.PUBLIC_KEY;
  const found = await client.findObjects(
    token,
    [
      { type: CKA.CLASS, value: otherClass },
      { type: CKA.ID, value: ref.id },
    ],
    { max: 1, attributes: [] },
  );
  if (found.length === 0) return undefined;
  return build.structure(Tag.Link, [
    build.enumeration(Tag.LinkType, toPrivate ? LinkType.PrivateKeyLink : LinkType.PublicKeyLink),
    build.textString(Tag.LinkedObjectIdentifier, uidOf(ref.id, toPrivate ? "private" : "public")),
  ]);
}

/**
 * Every attribute the relay can tell of the object `ref` (named `uid`), in the order of
 * KMIP 1.4 section 3, with the `lifecycle` attributes (State, dates) after the usage mask;
 * Digest and Link only when `wish` asks for them. Item Not Found
 * (ObjectNotFoundError) when the object does not exist.
 */
export async function readObjectAttributes(
  client: Pkcs11Client,
  token: TokenSelector,
  uid: string,
  ref: ObjectRef,
  wish: AttributeWish,
  lifecycle: readonly KmipAttribute[] = [attributeOf(build.enumeration(Tag.State, State.Active))],
): Promise<KmipAttribute[]> {
  const usageTypes = (USAGE_BY_CLASS.get(ref.cls) ?? []).map(([type]) => type);
  const values = await client.getAttributes(token, ref, [CKA.KEY_TYPE, CKA.LABEL, ...usageTypes]);
  const keyTypeBytes = values.get(CKA.KEY_TYPE);
  const keyType = keyTypeBytes ? ulongOf(keyTypeBytes) : undefined;
  const label = Buffer.from(values.get(CKA.LABEL) ?? new Uint8Array()).toString("utf8");

  let shape: { algorithm?: number; length?: number };
  let digest: TtlvItem | undefined;
  const publicKnown =
    ref.cls === CKO.PUBLIC_KEY &&
    (keyType === CKK.RSA || keyType === CKK.EC || keyType === CKK.EC_EDWARDS);
  if (publicKnown) {
    const info = await readPublicKey(client, token, ref);
    shape = { algorithm: algorithmOf(info), length: lengthOf(info) };
    if (wish.digest) digest = digestOf(info);
  } else {
    shape = await privateOrSecretShape(client, token, ref, keyType);
    if (wish.digest && ref.cls === CKO.SECRET_KEY)
      digest = await secretKeyDigest(client, token, ref);
  }

  const out: KmipAttribute[] = [attributeOf(build.textString(Tag.UniqueIdentifier, uid))];
  if (label.length > 0) {
    out.push(
      attributeOf(
        build.structure(Tag.Name, [
          build.textString(Tag.NameValue, label),
          build.enumeration(Tag.NameType, NameType.UninterpretedTextString),
        ]),
      ),
    );
  }
  const objectType = objectTypeOfClass(ref.cls);
  if (objectType !== undefined)
    out.push(attributeOf(build.enumeration(Tag.ObjectType, objectType)));
  if (shape.algorithm !== undefined) {
    out.push(attributeOf(build.enumeration(Tag.CryptographicAlgorithm, shape.algorithm)));
  }
  if (shape.length !== undefined) {
    out.push(attributeOf(build.integer(Tag.CryptographicLength, shape.length)));
  }
  if (digest !== undefined) out.push(attributeOf(digest));
  out.push(attributeOf(build.integer(Tag.CryptographicUsageMask, usageMaskOf(ref.cls, values))));
  out.push(...lifecycle);
  const link = wish.link ? await linkOf(client, token, ref) : undefined;
  if (link !== undefined) out.push(attributeOf(link));
  return out;
}
