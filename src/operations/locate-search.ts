/**
 * Locate's search criteria (KMIP 1.4 section 4.9): the request's attributes as a PKCS#11
 * C_FindObjects template, plus what must be checked on each match (the RSA modulus size).
 * See locate.ts and docs/operations.md for the mapping.
 */
import { CryptographicAlgorithm, NameType, ObjectType, State } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { findChild, type ItemOf, required } from "../kmip/item.js";
import { CryptographicUsageMask } from "../kmip/masks.js";
import { Tag } from "../kmip/tags.js";
import type { KmipAttribute } from "../kmip/template.js";
import { CKA, CKK, CKO } from "../pkcs11/constants.js";
import type { Attr } from "../pkcs11/types.js";
import { CURVES } from "./algorithms.js";
import { fieldText } from "./attribute-refs.js";
import { hmacByAlgorithm } from "./cipher-algorithms.js";
import { mechanismList } from "./create.js";
import { enumText } from "./keys.js";

/** What a Locate searches: a PKCS#11 template plus a host-side check. */
export interface LocateSearch {
  readonly template: readonly Attr[];
  /** RSA modulus bits every match must have (read from CKA_MODULUS). */
  readonly modulusBits?: number;
  /** True when some criterion cannot match any key. */
  readonly nothing: boolean;
  /** The State every match must be in (checked against the lifecycle store by locate.ts). */
  readonly state?: number;
}

const CLASS_BY_OBJECT_TYPE: ReadonlyMap<number, number> = new Map([
  [ObjectType.PublicKey, CKO.PUBLIC_KEY],
  [ObjectType.PrivateKey, CKO.PRIVATE_KEY],
  [ObjectType.SymmetricKey, CKO.SECRET_KEY],
]);

const A = CryptographicAlgorithm;
const KEY_TYPE_BY_ALGORITHM: ReadonlyMap<number, number> = new Map([
  [A.RSA, CKK.RSA],
  [A.ECDSA, CKK.EC],
  [A.EC, CKK.EC],
  [A.Ed25519, CKK.EC_EDWARDS],
  [A.AES, CKK.AES],
]);

/**
 * Template entries of an algorithm: CKA_KEY_TYPE; HMAC keys as Create makes them
 * (CKK_GENERIC_SECRET with CKA_ALLOWED_MECHANISMS = that one CKM_SHA*_HMAC).
 */
function algorithmTemplate(algorithm: number): Attr[] | undefined {
  const keyType = KEY_TYPE_BY_ALGORITHM.get(algorithm);
  if (keyType !== undefined) return [{ type: CKA.KEY_TYPE, value: keyType }];
  const hmac = hmacByAlgorithm(algorithm);
  if (hmac === undefined) return undefined;
  return [
    { type: CKA.KEY_TYPE, value: CKK.GENERIC_SECRET },
    { type: CKA.ALLOWED_MECHANISMS, value: mechanismList([hmac.ckm]) },
  ];
}

const M = CryptographicUsageMask;
/** Usage bits -> the attribute that must be true (MAC bits: CKA_SIGN/VERIFY of secret keys). */
const USAGE_ATTRIBUTES: readonly (readonly [number, number])[] = [
  [M.Sign | M.MACGenerate, CKA.SIGN],
  [M.Verify | M.MACVerify, CKA.VERIFY],
  [M.Encrypt, CKA.ENCRYPT],
  [M.Decrypt, CKA.DECRYPT],
  [M.WrapKey, CKA.WRAP],
  [M.UnwrapKey, CKA.UNWRAP],
  [M.DeriveKey, CKA.DERIVE],
];
const KNOWN_USAGE = USAGE_ATTRIBUTES.reduce((all, [bits]) => all | bits, 0);

function criterionValue<T extends "Enumeration" | "Integer" | "TextString">(
  attribute: KmipAttribute,
  type: T,
): ItemOf<T>["value"] {
  const item = attribute.value;
  if (item.type !== type) {
    throw kmipErrors.invalidField(
      `Locate: ${fieldText(attribute.tag)} must be ${type}, got ${item.type}`,
    );
  }
  return item.value as ItemOf<T>["value"];
}

function labelOf(attribute: KmipAttribute): string {
  const type = required(attribute.value, Tag.NameType, "Enumeration");
  if (type !== NameType.UninterpretedTextString) {
    throw kmipErrors.invalidField(
      `Locate: Name Type ${enumText(Tag.NameType, type)} is not supported (Uninterpreted Text String)`,
    );
  }
  return required(attribute.value, Tag.NameValue, "TextString");
}

/**
 * CKA_EC_PARAMS of a Recommended Curve, in Cryptographic Domain Parameters (KMIP 1.4
 * section 3.7) or bare; undefined for a curve no key of the relay has.
 */
function curveCriterion(attribute: KmipAttribute): Attr | undefined {
  const holder = attribute.value;
  const item =
    holder.tag === Tag.RecommendedCurve ? holder : findChild(holder, Tag.RecommendedCurve);
  if (item === undefined) {
    throw kmipErrors.notSupported(
      "Locate: Cryptographic Domain Parameters can only be searched by Recommended Curve",
    );
  }
  if (item.type !== "Enumeration") {
    throw kmipErrors.invalidField(
      `Locate: Recommended Curve must be Enumeration, got ${item.type}`,
    );
  }
  const curve = CURVES.find((c) => c.kmip === item.value);
  return curve === undefined ? undefined : { type: CKA.EC_PARAMS, value: curve.oid };
}

/** Template entries and host checks for a Cryptographic Length, given the algorithm. */
function lengthCriterion(
  length: number,
  algorithm: number | undefined,
): { template: Attr[]; modulusBits?: number; nothing: boolean } {
  switch (algorithm) {
    case undefined:
      throw kmipErrors.notSupported(
        "Locate: Cryptographic Length can only be searched together with Cryptographic Algorithm",
      );
    case A.RSA:
      return { template: [], modulusBits: length, nothing: false };
    case A.ECDSA:
    case A.EC: {
      const curve = CURVES.find((c) => c.bits === length);
      if (curve === undefined) return { template: [], nothing: true };
      return { template: [{ type: CKA.EC_PARAMS, value: curve.oid }], nothing: false };
    }
    case A.Ed25519:
      return { template: [], nothing: length !== 255 && length !== 256 };
    default:
      if (length <= 0 || length % 8 !== 0) return { template: [], nothing: true };
      return { template: [{ type: CKA.VALUE_LEN, value: length / 8 }], nothing: false };
  }
}

/** The search for a list of attributes (every one must match). */
export function searchOf(attributes: readonly KmipAttribute[]): LocateSearch {
  const template: Attr[] = [];
  let nothing = false;
  let algorithm: number | undefined;
  let length: number | undefined;
  let usage = 0;
  let state: number | undefined;
  const once = new Set<number>();
  for (const attribute of attributes) {
    if (attribute.tag !== Tag.Name && once.has(attribute.tag)) {
      throw kmipErrors.invalidField(`Locate: ${fieldText(attribute.tag)} is given twice`);
    }
    once.add(attribute.tag);
    switch (attribute.tag) {
      case Tag.Name: {
        // A key has one label: two different Names match nothing, the same one twice is one.
        const label = labelOf(attribute);
        const earlier = template.find((a) => a.type === CKA.LABEL);
        if (earlier === undefined) template.push({ type: CKA.LABEL, value: label });
        else if (earlier.value !== label) nothing = true;
        break;
      }
      case Tag.ObjectType: {
        const cls = CLASS_BY_OBJECT_TYPE.get(criterionValue(attribute, "Enumeration"));
        if (cls === undefined) nothing = true;
        else template.push({ type: CKA.CLASS, value: cls });
        break;
      }
      case Tag.CryptographicAlgorithm: {
        algorithm = criterionValue(attribute, "Enumeration");
        const entries = algorithmTemplate(algorithm);
        if (entries === undefined) nothing = true;
        else template.push(...entries);
        break;
      }
      case Tag.CryptographicDomainParameters:
      case Tag.RecommendedCurve: {
        const entry = curveCriterion(attribute);
        if (entry === undefined) nothing = true;
        else template.push(entry);
        break;
      }
      case Tag.CryptographicLength:
        length = criterionValue(attribute, "Integer");
        break;
      case Tag.CryptographicUsageMask:
        usage = criterionValue(attribute, "Integer") >>> 0;
        if ((usage & ~KNOWN_USAGE) !== 0) nothing = true;
        break;
      case Tag.State:
        state = criterionValue(attribute, "Enumeration");
        // A destroyed key is no longer on the token (its lifecycle record is).
        if (state === State.Destroyed || state === State.DestroyedCompromised) nothing = true;
        break;
      default:
        throw kmipErrors.notSupported(
          `Locate: cannot search by ${attribute.name ?? fieldText(attribute.tag)} (PKCS#11 does not hold it)`,
        );
    }
  }
  for (const [bits, type] of USAGE_ATTRIBUTES) {
    if ((usage & bits) !== 0) template.push({ type, value: true });
  }
  const byState = state === undefined ? {} : { state };
  if (length === undefined) return { template, nothing, ...byState };
  const byLength = lengthCriterion(length, algorithm);
  return {
    template: [...template, ...byLength.template],
    nothing: nothing || byLength.nothing,
    ...(byLength.modulusBits === undefined ? {} : { modulusBits: byLength.modulusBits }),
    ...byState,
  };
}
