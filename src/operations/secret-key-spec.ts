/**
 * What a Create request asks for (KMIP 1.4 section 4.1, KMIP 2.1 section 6.1.9): Object Type
 * Symmetric Key and the attributes of its Template-Attribute (1.x) or Attributes (2.x).
 *
 * Used: Cryptographic Algorithm (AES, HMAC_SHA256/384/512), Cryptographic Length (AES: 128,
 * 192, 256; HMAC: the hash length by default), Cryptographic Usage Mask, Name (-> CKA_LABEL),
 * Sensitive and Extractable (KMIP 1.4 sections 3.48, 3.50; -> CKA_SENSITIVE,
 * CKA_EXTRACTABLE), Cryptographic Parameters of an AES key (its Block Cipher Mode and Padding
 * Method -> the one mechanism of CKA_ALLOWED_MECHANISMS, key-parameters.ts). Attributes that
 * promise what the relay cannot keep (Quantum Safe true, Protection Level / Period / Storage
 * Masks, Usage Limits) are refused (unkept-attributes.ts); descriptive ones without a PKCS#11
 * counterpart (Object Group, Description, ...) are ignored.
 */
import { CryptographicAlgorithm, NameType, ObjectType } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { findChild, type ItemOf, nameOf, required, type ValueOf } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { type KmipAttribute, readAttributes, valuesOf } from "../kmip/template.js";
import type { TtlvItem, TtlvTypeName } from "../ttlv/types.js";
import { AES_KEY_BITS, type HmacSpec, hmacByAlgorithm } from "./cipher-algorithms.js";
import { aesMechanismOfParameters } from "./key-parameters.js";
import { enumText } from "./keys.js";
import { refuseUnkeptAttributes } from "./unkept-attributes.js";

/** The key to generate. */
export type SecretKeyAlgorithm =
  | { readonly kind: "AES"; readonly bytes: number }
  | { readonly kind: "HMAC"; readonly hmac: HmacSpec; readonly bytes: number };

/** The whole request. */
export interface SecretKeySpec {
  readonly algorithm: SecretKeyAlgorithm;
  readonly label: string | undefined;
  /** Cryptographic Usage Mask, undefined when the request gave none. */
  readonly usage: number | undefined;
  /** CKA_SENSITIVE: true unless the request's Sensitive is false. */
  readonly sensitive: boolean;
  /** CKA_EXTRACTABLE: false unless the request's Extractable is true. */
  readonly extractable: boolean;
  /** The one mechanism an AES key's Cryptographic Parameters keep it to, if any. */
  readonly mechanism: number | undefined;
}

const OP = "Create";

/** The one value of `tag`; Invalid Field when it is given twice with different values. */
function single<T extends TtlvTypeName>(
  attrs: readonly KmipAttribute[],
  tag: number,
  type: T,
): ValueOf<T> | undefined {
  const found = valuesOf(attrs, tag);
  const first = found[0];
  if (first === undefined) return undefined;
  if (found.some((f) => f.type !== first.type || f.value !== first.value)) {
    throw kmipErrors.invalidField(`${OP}: conflicting values of ${nameOf(tag)}`);
  }
  if (first.type !== type) {
    throw kmipErrors.invalidField(`${nameOf(tag)}: expected ${type}, got ${first.type}`);
  }
  return (first as ItemOf<T>).value as ValueOf<T>;
}

function aesBytes(length: number | undefined): number {
  if (length === undefined) {
    throw kmipErrors.missingData(`${OP}: Cryptographic Length is required for AES (128, 192, 256)`);
  }
  if (!AES_KEY_BITS.includes(length)) {
    throw kmipErrors.invalidField(
      `${OP}: Cryptographic Length ${length} is not an AES key size (128, 192, 256)`,
    );
  }
  return length / 8;
}

/** HMAC keys: the hash length by default; from the hash length up to its block size. */
function hmacBytes(hmac: HmacSpec, length: number | undefined): number {
  if (length === undefined) return hmac.length;
  const [min, max] = [hmac.length * 8, hmac.blockBytes * 8];
  if (length % 8 !== 0 || length < min || length > max) {
    throw kmipErrors.invalidField(
      `${OP}: Cryptographic Length ${length} is not accepted for ${hmac.name} (${min}-${max}, multiple of 8)`,
    );
  }
  return length / 8;
}

function algorithmOf(attrs: readonly KmipAttribute[]): SecretKeyAlgorithm {
  const algorithm = single(attrs, Tag.CryptographicAlgorithm, "Enumeration");
  const length = single(attrs, Tag.CryptographicLength, "Integer");
  if (algorithm === undefined) {
    throw kmipErrors.missingData(`${OP}: Cryptographic Algorithm is required`);
  }
  if (algorithm === CryptographicAlgorithm.AES) return { kind: "AES", bytes: aesBytes(length) };
  const hmac = hmacByAlgorithm(algorithm);
  if (hmac === undefined) {
    throw kmipErrors.notSupported(
      `${OP}: Cryptographic Algorithm ${enumText(Tag.CryptographicAlgorithm, algorithm)} is not supported (AES, HMAC_SHA256, HMAC_SHA384, HMAC_SHA512)`,
    );
  }
  return { kind: "HMAC", hmac, bytes: hmacBytes(hmac, length) };
}

/** The label from a Name attribute: Name{Name Value, Name Type = Uninterpreted Text String}. */
function labelOf(name: TtlvItem | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = required(name, Tag.NameValue, "TextString");
  const type = required(name, Tag.NameType, "Enumeration");
  if (type !== NameType.UninterpretedTextString) {
    throw kmipErrors.invalidField(
      `Name: Name Type ${enumText(Tag.NameType, type)} is not supported (Uninterpreted Text String)`,
    );
  }
  return value;
}

/** The attributes of the request: Template-Attribute (1.x) or Attributes (2.x). */
export function readCreateAttributes(payload: ItemOf<"Structure">): KmipAttribute[] {
  const container = findChild(payload, Tag.TemplateAttribute) ?? findChild(payload, Tag.Attributes);
  if (container === undefined) {
    throw kmipErrors.missingData(`${OP}: Template-Attribute (1.x) or Attributes (2.x) is required`);
  }
  return readAttributes(container);
}

/** Reads and checks the whole request. */
export function readSecretKeySpec(payload: ItemOf<"Structure">): SecretKeySpec {
  const objectType = required(payload, Tag.ObjectType, "Enumeration");
  if (objectType !== ObjectType.SymmetricKey) {
    throw kmipErrors.notSupported(
      `${OP}: Object Type ${enumText(Tag.ObjectType, objectType)} is not supported (Symmetric Key)`,
    );
  }
  const attrs = readCreateAttributes(payload);
  const algorithm = algorithmOf(attrs);
  refuseUnkeptAttributes(OP, attrs, payload);
  const params = valuesOf(attrs, Tag.CryptographicParameters)[0];
  return {
    algorithm,
    mechanism:
      algorithm.kind === "AES" && params !== undefined
        ? aesMechanismOfParameters(OP, params)
        : undefined,
    label: labelOf(valuesOf(attrs, Tag.Name)[0]),
    usage: single(attrs, Tag.CryptographicUsageMask, "Integer"),
    sensitive: single(attrs, Tag.Sensitive, "Boolean") ?? true,
    extractable: single(attrs, Tag.Extractable, "Boolean") ?? false,
  };
}
