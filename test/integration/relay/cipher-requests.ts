/**
 * Requests of the secret-key operations, built field by field as KMIP 1.4 section 4 lays them
 * out (Create 4.1, Encrypt 4.29, Decrypt 4.30, MAC 4.33, MAC Verify 4.34, RNG Retrieve 4.35),
 * and readers of their responses.
 */
import {
  BlockCipherMode,
  CryptographicAlgorithm,
  KeyFormatType,
  ObjectType,
  Operation,
  PaddingMethod,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import {
  type Attr,
  type AttrForm,
  attr,
  getPayload,
  type Session,
  v1Attribute,
} from "./session.js";

/** Sensitive and Extractable (KMIP 1.4 sections 3.48, 3.50). */
export const flagAttr = {
  sensitive: (value: boolean): Attr => ({
    name: "Sensitive",
    item: build.boolean(Tag.Sensitive, value),
  }),
  extractable: (value: boolean): Attr => ({
    name: "Extractable",
    item: build.boolean(Tag.Extractable, value),
  }),
};

/** What a secret key of the tests is. */
export const SECRET_KINDS = {
  aes128: [attr.algorithm(CryptographicAlgorithm.AES), attr.length(128)],
  aes192: [attr.algorithm(CryptographicAlgorithm.AES), attr.length(192)],
  aes256: [attr.algorithm(CryptographicAlgorithm.AES), attr.length(256)],
  hmac256: [attr.algorithm(CryptographicAlgorithm.HMAC_SHA256)],
  hmac384: [attr.algorithm(CryptographicAlgorithm.HMAC_SHA384)],
  hmac512: [attr.algorithm(CryptographicAlgorithm.HMAC_SHA512)],
} satisfies Record<string, Attr[]>;

/** The attributes that let Get return a key's value. */
export const EXPORTABLE: readonly Attr[] = [flagAttr.sensitive(false), flagAttr.extractable(true)];

/** Create Request Payload: Object Type, Template-Attribute (1.x) or Attributes (2.x). */
export function createPayload(
  attrs: readonly Attr[],
  form: AttrForm,
  objectType: number = ObjectType.SymmetricKey,
): TtlvItem[] {
  const container =
    form === "v1"
      ? build.structure(Tag.TemplateAttribute, attrs.map(v1Attribute))
      : build.structure(
          Tag.Attributes,
          attrs.map((a) => a.item),
        );
  return [build.enumeration(Tag.ObjectType, objectType), container];
}

/** Creates a secret key (1.x form unless told); returns its UID. */
export async function createSecret(
  session: Session,
  attrs: readonly Attr[],
  form: AttrForm = "v1",
): Promise<string> {
  const version = form === "v1" ? { major: 1, minor: 2 } : { major: 2, minor: 1 };
  const payload = await session.ok(Operation.Create, createPayload(attrs, form), version);
  return findChild(payload, Tag.UniqueIdentifier)?.value as string;
}

/**
 * A Symmetric Key object of `key` in Raw format stated as `algorithm` (KMIP 1.4 sections 2.2.2,
 * 2.1.3): Key Block{Key Format Type, Key Value{Key Material}, Algorithm, Length}, for Register.
 */
export function rawSymmetricKey(
  key: Uint8Array,
  algorithm: number,
  bits = key.length * 8,
): TtlvItem {
  return build.structure(Tag.SymmetricKey, [
    build.structure(Tag.KeyBlock, [
      build.enumeration(Tag.KeyFormatType, KeyFormatType.Raw),
      build.structure(Tag.KeyValue, [build.byteString(Tag.KeyMaterial, key)]),
      build.enumeration(Tag.CryptographicAlgorithm, algorithm),
      build.integer(Tag.CryptographicLength, bits),
    ]),
  ]);
}

/** Cryptographic Parameters of the cipher tests. */
export function cipherParams(fields: {
  mode?: number;
  padding?: number;
  hash?: number;
  tagLength?: number;
  ivLength?: number;
  randomIv?: boolean;
}): TtlvItem {
  const items: TtlvItem[] = [];
  if (fields.mode !== undefined) items.push(build.enumeration(Tag.BlockCipherMode, fields.mode));
  if (fields.padding !== undefined)
    items.push(build.enumeration(Tag.PaddingMethod, fields.padding));
  if (fields.hash !== undefined) items.push(build.enumeration(Tag.HashingAlgorithm, fields.hash));
  if (fields.randomIv !== undefined) items.push(build.boolean(Tag.RandomIV, fields.randomIv));
  if (fields.ivLength !== undefined) items.push(build.integer(Tag.IVLength, fields.ivLength));
  if (fields.tagLength !== undefined) items.push(build.integer(Tag.TagLength, fields.tagLength));
  return build.structure(Tag.CryptographicParameters, items);
}

export const GCM = cipherParams({ mode: BlockCipherMode.GCM });
export const CBC = cipherParams({ mode: BlockCipherMode.CBC, padding: PaddingMethod.PKCS5 });

/** The optional inputs of Encrypt / Decrypt. */
export interface CipherFields {
  readonly params?: TtlvItem;
  readonly iv?: Uint8Array;
  readonly aad?: Uint8Array;
  readonly tag?: Uint8Array;
}

/** Encrypt or Decrypt Request Payload (Tables 229, 231 order). */
export function cipherPayload(uid: string, data: Uint8Array, f: CipherFields = {}): TtlvItem[] {
  const items: TtlvItem[] = [build.textString(Tag.UniqueIdentifier, uid)];
  if (f.params !== undefined) items.push(f.params);
  items.push(build.byteString(Tag.Data, data));
  if (f.iv !== undefined) items.push(build.byteString(Tag.IVCounterNonce, f.iv));
  if (f.aad !== undefined) {
    items.push(build.byteString(Tag.AuthenticatedEncryptionAdditionalData, f.aad));
  }
  if (f.tag !== undefined) items.push(build.byteString(Tag.AuthenticatedEncryptionTag, f.tag));
  return items;
}

/** The byte string `tag` of a payload, if present. */
export function bytesField(payload: TtlvItem, tag: number): Buffer | undefined {
  const item = findChild(payload, tag);
  if (item === undefined) return undefined;
  if (item.type !== "ByteString") throw new Error(`expected a Byte String, got ${item.type}`);
  return Buffer.from(item.value);
}

/** An Encrypt response's outputs. */
export interface Encrypted {
  readonly data: Buffer;
  readonly iv: Buffer | undefined;
  readonly tag: Buffer | undefined;
}

/** Encrypts through the relay. */
export async function encryptWith(
  session: Session,
  uid: string,
  data: Uint8Array,
  f: CipherFields = {},
): Promise<Encrypted> {
  const payload = await session.ok(Operation.Encrypt, cipherPayload(uid, data, f));
  const out = bytesField(payload, Tag.Data);
  if (out === undefined) throw new Error("Encrypt response without Data");
  return {
    data: out,
    iv: bytesField(payload, Tag.IVCounterNonce),
    tag: bytesField(payload, Tag.AuthenticatedEncryptionTag),
  };
}

/** Decrypts through the relay (must succeed). */
export async function decryptWith(
  session: Session,
  uid: string,
  data: Uint8Array,
  f: CipherFields = {},
): Promise<Buffer> {
  const payload = await session.ok(Operation.Decrypt, cipherPayload(uid, data, f));
  const out = bytesField(payload, Tag.Data);
  if (out === undefined) throw new Error("Decrypt response without Data");
  return out;
}

/** MAC / MAC Verify Request Payload. */
export function macPayload(
  uid: string,
  data: Uint8Array | undefined,
  macData?: Uint8Array,
  params?: TtlvItem,
): TtlvItem[] {
  const items: TtlvItem[] = [build.textString(Tag.UniqueIdentifier, uid)];
  if (params !== undefined) items.push(params);
  if (data !== undefined) items.push(build.byteString(Tag.Data, data));
  if (macData !== undefined) items.push(build.byteString(Tag.MACData, macData));
  return items;
}

/** Get's Key Block of a Symmetric Key: format, algorithm, length and the Raw key bytes. */
export function symmetricKeyFromGet(payload: TtlvItem): {
  objectType: unknown;
  format: unknown;
  algorithm: unknown;
  length: unknown;
  material: TtlvItem | undefined;
} {
  const block = findChild(findChild(payload, Tag.SymmetricKey) ?? payload, Tag.KeyBlock);
  if (block === undefined) throw new Error("Get response without Symmetric Key{Key Block}");
  const value = findChild(block, Tag.KeyValue);
  return {
    objectType: findChild(payload, Tag.ObjectType)?.value,
    format: findChild(block, Tag.KeyFormatType)?.value,
    algorithm: findChild(block, Tag.CryptographicAlgorithm)?.value,
    length: findChild(block, Tag.CryptographicLength)?.value,
    material: value === undefined ? undefined : findChild(value, Tag.KeyMaterial),
  };
}

/** Get (KMIP 1.4 section 4.11) of an exportable secret key: its Raw key bytes. */
export async function keyBytesOf(session: Session, uid: string): Promise<Buffer> {
  const got = symmetricKeyFromGet(await session.ok(Operation.Get, getPayload(uid)));
  if (got.material?.type !== "ByteString") throw new Error("Raw Key Material expected");
  return Buffer.from(got.material.value);
}
