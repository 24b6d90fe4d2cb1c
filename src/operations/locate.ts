/**
 * Locate (KMIP 1.4 section 4.9, KMIP 2.1 section 6.1.27): the keys on the token matching
 * every given attribute, found with C_FindObjects.
 *
 * Request 1.x: Maximum Items?, Offset Items? (1.3+), Storage Status Mask?, Object Group
 * Member?, Attribute*. 2.x: the same with Attributes{items}. Response: Located Items?
 * (1.3+), Unique Identifier*.
 *
 * Search attributes -> PKCS#11 template: Name -> CKA_LABEL; Object Type -> CKA_CLASS;
 * Cryptographic Algorithm -> CKA_KEY_TYPE (HMAC_SHA256/384/512: CKK_GENERIC_SECRET and
 * CKA_ALLOWED_MECHANISMS, as Create makes them); Cryptographic Length -> CKA_EC_PARAMS (EC, by
 * curve), CKA_VALUE_LEN (AES/HMAC, bytes), the modulus size read from each candidate (RSA:
 * CKA_MODULUS_BITS exists on public keys only); Cryptographic Usage Mask -> the usage
 * attributes (CKA_SIGN, ...) true; State Active matches every key (PKCS#11 has no state).
 * A value no key of the relay can have (Object Type Certificate, an algorithm or curve the
 * relay does not handle, State other than Active) matches nothing.
 *
 * Keys without a CKA_ID cannot be named by a UID and are skipped, as are objects of other
 * classes. UIDs are answered sorted, so that Offset Items pages the same way whichever worker
 * serves the request. At most {@link SCAN_LIMIT} objects are looked at; beyond that the
 * result is cut and Located Items is left out (the total is unknown).
 */
import { CryptographicAlgorithm, NameType, ObjectType, Operation, State } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import {
  childrenOf,
  findChild,
  findChildren,
  type ItemOf,
  optional,
  required,
} from "../kmip/item.js";
import { CryptographicUsageMask } from "../kmip/masks.js";
import { Tag } from "../kmip/tags.js";
import { type KmipAttribute, readAttributes, readV1Attribute } from "../kmip/template.js";
import { CKA, CKK, CKO } from "../pkcs11/constants.js";
import type { Attr, AttrValues } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { CURVES } from "./algorithms.js";
import { fieldText } from "./attribute-refs.js";
import { hmacByAlgorithm } from "./cipher-algorithms.js";
import { mechanismList } from "./create.js";
import { enumText, requireToken, ulongOf } from "./keys.js";
import type { OperationHandler } from "./types.js";
import { halfOf, uidOf } from "./uid.js";

/** Most objects one Locate looks at. */
export const SCAN_LIMIT = 5000;

/** What a Locate searches: a PKCS#11 template plus a host-side check. */
export interface LocateSearch {
  readonly template: readonly Attr[];
  /** RSA modulus bits every match must have (read from CKA_MODULUS). */
  readonly modulusBits?: number;
  /** True when some criterion cannot match any key. */
  readonly nothing: boolean;
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
      case Tag.CryptographicLength:
        length = criterionValue(attribute, "Integer");
        break;
      case Tag.CryptographicUsageMask:
        usage = criterionValue(attribute, "Integer") >>> 0;
        if ((usage & ~KNOWN_USAGE) !== 0) nothing = true;
        break;
      case Tag.State:
        if (criterionValue(attribute, "Enumeration") !== State.Active) nothing = true;
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
  if (length === undefined) return { template, nothing };
  const byLength = lengthCriterion(length, algorithm);
  return {
    template: [...template, ...byLength.template],
    nothing: nothing || byLength.nothing,
    ...(byLength.modulusBits === undefined ? {} : { modulusBits: byLength.modulusBits }),
  };
}

/** The search attributes of either form: 1.x Attribute* in the payload, 2.x Attributes. */
function searchAttributes(payload: ItemOf<"Structure">): KmipAttribute[] {
  const v2 = findChild(payload, Tag.Attributes);
  const v1 = findChildren(payload, Tag.Attribute).map(readV1Attribute);
  return v2 === undefined ? v1 : [...v1, ...readAttributes(v2)];
}

function bitLength(bigEndian: Uint8Array): number {
  const first = bigEndian.findIndex((b) => b !== 0);
  if (first < 0) return 0;
  return (bigEndian.length - first - 1) * 8 + (32 - Math.clz32(bigEndian[first]!));
}

/** The UID of a found object, or undefined when it cannot have one. */
export function uidOfFound(values: AttrValues, modulusBits?: number): string | undefined {
  const id = values.get(CKA.ID);
  const clsBytes = values.get(CKA.CLASS);
  if (!id || id.length === 0 || !clsBytes) return undefined;
  const cls = ulongOf(clsBytes);
  if (cls !== CKO.PUBLIC_KEY && cls !== CKO.PRIVATE_KEY && cls !== CKO.SECRET_KEY) return undefined;
  if (modulusBits !== undefined) {
    const modulus = values.get(CKA.MODULUS);
    if (!modulus || bitLength(modulus) !== modulusBits) return undefined;
  }
  return uidOf(id, halfOf({ id, cls }));
}

function nonNegative(payload: ItemOf<"Structure">, tag: number): number | undefined {
  const value = optional(payload, tag, "Integer");
  if (value !== undefined && value < 0) {
    throw kmipErrors.invalidField(`Locate: ${fieldText(tag)} must not be negative`);
  }
  return value;
}

/** Storage Status Mask: the token is online storage (bit 1); archival only finds nothing. */
function onlineWanted(payload: ItemOf<"Structure">): boolean {
  const mask = optional(payload, Tag.StorageStatusMask, "Integer");
  return mask === undefined || mask === 0 || (mask & 1) !== 0;
}

/** The Locate handler. */
export const locate: OperationHandler = {
  operation: Operation.Locate,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Locate");
    childrenOf(payload);
    const maximum = nonNegative(payload, Tag.MaximumItems);
    const offset = nonNegative(payload, Tag.OffsetItems) ?? 0;
    const search = searchOf(searchAttributes(payload));
    let uids: string[] = [];
    let complete = true;
    if (!search.nothing && onlineWanted(payload)) {
      const attributes: number[] = [CKA.ID, CKA.CLASS];
      if (search.modulusBits !== undefined) attributes.push(CKA.MODULUS);
      const found = await ctx.client.findObjects(token, search.template, {
        max: SCAN_LIMIT + 1,
        attributes,
      });
      complete = found.length <= SCAN_LIMIT;
      // Sorted: the token's order differs between worker processes, paging must not.
      uids = found
        .slice(0, SCAN_LIMIT)
        .flatMap((values) => uidOfFound(values, search.modulusBits) ?? [])
        .sort();
    }
    const total = uids.length;
    const page = uids.slice(offset, maximum === undefined ? undefined : offset + maximum);
    const fields: TtlvItem[] = [];
    const withCount = ctx.version.major >= 2 || ctx.version.minor >= 3;
    if (withCount && complete)
      fields.push({ tag: Tag.LocatedItems, type: "Integer", value: total });
    fields.push(
      ...page.map(
        (uid): TtlvItem => ({ tag: Tag.UniqueIdentifier, type: "TextString", value: uid }),
      ),
    );
    return { payload: fields };
  },
};
