/**
 * What a Create Key Pair request asks for, read from its attribute containers (KMIP 1.4
 * section 4.2 / KMIP 2.1 section 6.1.10): Common, Private Key and Public Key Template-
 * Attribute (1.x) or Attributes (2.x). A per-key attribute overrides the common one.
 *
 * Used: Cryptographic Algorithm (RSA, ECDSA or EC, Ed25519), Cryptographic Length (RSA
 * modulus bits; EC field bits), Cryptographic Domain Parameters{Recommended Curve} (EC),
 * Name (-> CKA_LABEL), Cryptographic Usage Mask (-> CKA_SIGN, CKA_VERIFY, ...). Attributes
 * that promise what the relay cannot keep (Quantum Safe true, Protection Level / Period /
 * Storage Masks, Usage Limits) are refused (unkept-attributes.ts); descriptive ones without a
 * PKCS#11 counterpart (Object Group, Description, ...) are ignored.
 */
import { CryptographicAlgorithm, NameType } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { findChild, type ItemOf, nameOf, required, type ValueOf } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { type KmipAttribute, readAttributes, valuesOf } from "../kmip/template.js";
import type { TtlvItem, TtlvTypeName } from "../ttlv/types.js";
import { CURVES, type CurveSpec, RSA_MAX_BITS, RSA_MIN_BITS } from "./algorithms.js";
import { enumText } from "./keys.js";
import { refuseUnkeptAttributes } from "./unkept-attributes.js";

/** The attributes of each key: common first, then the key's own. */
export interface KeyPairAttributes {
  readonly common: readonly KmipAttribute[];
  readonly private: readonly KmipAttribute[];
  readonly public: readonly KmipAttribute[];
}

/** What to generate. */
export type KeyPairAlgorithm =
  | { readonly kind: "RSA"; readonly bits: number }
  | { readonly kind: "EC"; readonly curve: CurveSpec }
  | { readonly kind: "Ed25519" };

/** Per-key settings. */
export interface KeySettings {
  readonly label: string | undefined;
  /** Cryptographic Usage Mask, undefined when the request gave none. */
  readonly usage: number | undefined;
}

/** The whole request. */
export interface KeyPairSpec {
  readonly algorithm: KeyPairAlgorithm;
  readonly private: KeySettings;
  readonly public: KeySettings;
}

function container(payload: ItemOf<"Structure">, v1: number, v2: number): KmipAttribute[] {
  const item = findChild(payload, v1) ?? findChild(payload, v2);
  return item === undefined ? [] : readAttributes(item);
}

/** Reads the three attribute containers of either KMIP generation. */
export function readKeyPairAttributes(payload: ItemOf<"Structure">): KeyPairAttributes {
  return {
    common: container(payload, Tag.CommonTemplateAttribute, Tag.CommonAttributes),
    private: container(payload, Tag.PrivateKeyTemplateAttribute, Tag.PrivateKeyAttributes),
    public: container(payload, Tag.PublicKeyTemplateAttribute, Tag.PublicKeyAttributes),
  };
}

/** The one value of `tag` among `lists`; Invalid Field when they disagree. */
function agreed(lists: readonly (readonly KmipAttribute[])[], tag: number): TtlvItem | undefined {
  const found = lists.flatMap((l) => valuesOf(l, tag));
  const first = found[0];
  for (const other of found.slice(1)) {
    if (other.type !== first?.type || other.value !== first.value) {
      throw kmipErrors.invalidField(`Create Key Pair: conflicting values of ${nameOf(tag)}`);
    }
  }
  return first;
}

function valueOfType<T extends TtlvTypeName>(
  item: TtlvItem | undefined,
  type: T,
): ValueOf<T> | undefined {
  if (item === undefined) return undefined;
  if (item.type !== type) {
    throw kmipErrors.invalidField(`${nameOf(item.tag)}: expected ${type}, got ${item.type}`);
  }
  return (item as ItemOf<T>).value as ValueOf<T>;
}

/** Recommended Curve: in Cryptographic Domain Parameters, or (leniently) on its own. */
function recommendedCurve(attrs: KeyPairAttributes): number | undefined {
  const lists = [attrs.common, attrs.private, attrs.public];
  const params = lists.flatMap((l) => valuesOf(l, Tag.CryptographicDomainParameters));
  for (const p of params) {
    const curve = findChild(p, Tag.RecommendedCurve);
    if (curve !== undefined) return valueOfType(curve, "Enumeration");
  }
  return valueOfType(agreed(lists, Tag.RecommendedCurve), "Enumeration");
}

function ecCurve(curveValue: number | undefined, length: number | undefined): CurveSpec {
  const byCurve = curveValue === undefined ? undefined : CURVES.find((c) => c.kmip === curveValue);
  if (curveValue !== undefined && byCurve === undefined) {
    throw kmipErrors.notSupported(
      `Create Key Pair: Recommended Curve ${enumText(Tag.RecommendedCurve, curveValue)} is not supported (P_256, P_384, P_521)`,
    );
  }
  const byLength = length === undefined ? undefined : CURVES.find((c) => c.bits === length);
  if (length !== undefined && byLength === undefined) {
    throw kmipErrors.invalidField(
      `Create Key Pair: Cryptographic Length ${length} names no supported curve (256, 384, 521)`,
    );
  }
  if (byCurve !== undefined && byLength !== undefined && byCurve !== byLength) {
    throw kmipErrors.invalidField(
      `Create Key Pair: Cryptographic Length ${length} does not match Recommended Curve ${byCurve.name}`,
    );
  }
  return byCurve ?? byLength ?? (CURVES[0] as CurveSpec);
}

function rsaBits(length: number | undefined, allow1024: boolean): number {
  if (length === undefined) {
    throw kmipErrors.missingData(
      "Create Key Pair: Cryptographic Length (RSA modulus bits) is required",
    );
  }
  const inRange = length >= RSA_MIN_BITS && length <= RSA_MAX_BITS && length % 8 === 0;
  if (!inRange && !(length === 1024 && allow1024)) {
    throw kmipErrors.invalidField(
      `Create Key Pair: Cryptographic Length ${length} is not an accepted RSA modulus size (${RSA_MIN_BITS}-${RSA_MAX_BITS}, multiple of 8)`,
    );
  }
  return length;
}

function algorithmOf(attrs: KeyPairAttributes, allow1024: boolean): KeyPairAlgorithm {
  const lists = [attrs.common, attrs.private, attrs.public];
  const algorithm = valueOfType(agreed(lists, Tag.CryptographicAlgorithm), "Enumeration");
  const length = valueOfType(agreed(lists, Tag.CryptographicLength), "Integer");
  switch (algorithm) {
    case undefined:
      throw kmipErrors.missingData("Create Key Pair: Cryptographic Algorithm is required");
    case CryptographicAlgorithm.RSA:
      return { kind: "RSA", bits: rsaBits(length, allow1024) };
    case CryptographicAlgorithm.ECDSA:
    case CryptographicAlgorithm.EC:
      return { kind: "EC", curve: ecCurve(recommendedCurve(attrs), length) };
    case CryptographicAlgorithm.Ed25519:
      if (length !== undefined && length !== 255 && length !== 256) {
        throw kmipErrors.invalidField(
          `Create Key Pair: Cryptographic Length ${length} is not Ed25519's`,
        );
      }
      return { kind: "Ed25519" };
    default:
      throw kmipErrors.notSupported(
        `Create Key Pair: Cryptographic Algorithm ${enumText(Tag.CryptographicAlgorithm, algorithm)} is not supported (RSA, ECDSA, EC, Ed25519)`,
      );
  }
}

/** The label from a Name attribute: Name{Name Value, Name Type = Uninterpreted Text String}. */
function labelOf(name: TtlvItem): string {
  const value = required(name, Tag.NameValue, "TextString");
  const type = required(name, Tag.NameType, "Enumeration");
  if (type !== NameType.UninterpretedTextString) {
    throw kmipErrors.invalidField(
      `Name: Name Type ${enumText(Tag.NameType, type)} is not supported (Uninterpreted Text String)`,
    );
  }
  return value;
}

function settingsOf(common: readonly KmipAttribute[], own: readonly KmipAttribute[]): KeySettings {
  const pick = (tag: number) => valuesOf(own, tag)[0] ?? valuesOf(common, tag)[0];
  const name = pick(Tag.Name);
  return {
    label: name === undefined ? undefined : labelOf(name),
    usage: valueOfType(pick(Tag.CryptographicUsageMask), "Integer"),
  };
}

/**
 * The private key is always made CKA_SENSITIVE true and CKA_EXTRACTABLE false: a request
 * asking for Sensitive false or Extractable true for it (common or private-key attributes,
 * KMIP 1.4 sections 3.48, 3.50) is refused rather than answered with a key Get can never
 * return. The public key's own values do not matter (its material is public).
 */
function refuseExportablePrivateKey(attrs: KeyPairAttributes): void {
  const lists = [attrs.common, attrs.private];
  const sensitive = valueOfType(agreed(lists, Tag.Sensitive), "Boolean");
  const extractable = valueOfType(agreed(lists, Tag.Extractable), "Boolean");
  if (sensitive === false || extractable === true) {
    throw kmipErrors.notSupported(
      `Create Key Pair: ${sensitive === false ? "Sensitive false" : "Extractable true"} cannot be honoured: the relay keeps private keys sensitive and never extractable`,
    );
  }
}

/** Reads and checks the whole request. */
export function readKeyPairSpec(payload: ItemOf<"Structure">, allowRsa1024: boolean): KeyPairSpec {
  const attrs = readKeyPairAttributes(payload);
  const algorithm = algorithmOf(attrs, allowRsa1024);
  refuseExportablePrivateKey(attrs);
  refuseUnkeptAttributes(
    "Create Key Pair",
    [...attrs.common, ...attrs.private, ...attrs.public],
    payload,
  );
  return {
    algorithm,
    private: settingsOf(attrs.common, attrs.private),
    public: settingsOf(attrs.common, attrs.public),
  };
}
