/**
 * Get of a secret key (`<HEX>_sec`, KMIP 1.4 section 4.11): only a key the token lets out,
 * i.e. CKA_SENSITIVE false and CKA_EXTRACTABLE true (KMIP 1.4 sections 3.48 and 3.50 mean
 * the same: a Sensitive or non-Extractable object's value is not returned). Otherwise
 * Permission Denied, after checking the key exists.
 *
 * Response: Object Type Symmetric Key, Unique Identifier, Symmetric Key{Key Block{Key Format
 * Type, Key Value{Key Material}, Cryptographic Algorithm?, Cryptographic Length}}. Key
 * Material (section 2.1.7): Raw (the default) is the key bytes as a Byte String; Transparent
 * Symmetric Key is Structure{Key: Byte String}. The algorithm is left out only for a generic
 * secret whose use the token does not record.
 */
import { KeyFormatType, ObjectType, ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { build } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { enumText } from "./keys.js";
import { readSecretKey } from "./secret-key.js";
import type { OperationContext, OperationResult } from "./types.js";
import { shown } from "./uid.js";

function keyMaterial(value: Uint8Array, format: number): TtlvItem {
  if (format === KeyFormatType.Raw) return build.byteString(Tag.KeyMaterial, value);
  if (format === KeyFormatType.TransparentSymmetricKey) {
    return build.structure(Tag.KeyMaterial, [build.byteString(Tag.Key, value)]);
  }
  throw new KmipError(
    ResultReason.KeyFormatTypeNotSupported,
    `Get: Key Format Type ${enumText(Tag.KeyFormatType, format)} is not supported for secret keys (Raw, Transparent Symmetric Key)`,
  );
}

/** The Get response for the secret key `ref` (UID `uid`). */
export async function getSecretKey(
  ctx: OperationContext,
  token: TokenSelector,
  uid: string,
  ref: ObjectRef,
  requested: number | undefined,
): Promise<OperationResult> {
  const info = await readSecretKey(ctx.client, token, ref, true);
  if (info.sensitive || !info.extractable || info.value === null) {
    throw kmipErrors.permissionDenied(
      `Get: ${shown(uid)} is a secret key the token does not let out (it was not created with Sensitive false and Extractable true)`,
    );
  }
  const format = requested ?? KeyFormatType.Raw;
  const block: TtlvItem[] = [
    build.enumeration(Tag.KeyFormatType, format),
    build.structure(Tag.KeyValue, [keyMaterial(info.value, format)]),
  ];
  if (info.algorithm !== undefined) {
    block.push(build.enumeration(Tag.CryptographicAlgorithm, info.algorithm));
  }
  block.push(build.integer(Tag.CryptographicLength, info.value.length * 8));
  return {
    uid,
    payload: [
      build.enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
      build.textString(Tag.UniqueIdentifier, uid),
      build.structure(Tag.SymmetricKey, [build.structure(Tag.KeyBlock, block)]),
    ],
  };
}
