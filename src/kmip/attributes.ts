/**
 * KMIP 1.x attribute names (KMIP 1.4 section 3) <-> the tag of the attribute's value.
 *
 * In KMIP 1.x an attribute travels as `Attribute { AttributeName (text), AttributeIndex?,
 * AttributeValue }` (section 2.1.1), and the value's tag is always `AttributeValue`; the name
 * tells what the value is (e.g. which enumeration an Enumeration value belongs to). In KMIP 2.x
 * the attribute is an item with its own tag (KMIP 2.1 section 4), which is the tag returned
 * here. An attribute name is the specification's text of that tag ("Cryptographic Usage Mask").
 * Custom attributes ("x-...", "y-...", KMIP 1.4 section 3.39) have no tag.
 */
import type { EnumTable } from "./enum-table.js";
import { enumForTag } from "./enums.js";
import { maskForTag } from "./masks.js";
import { Tag, type TagName, tagText } from "./tags.js";

/** The tags of the KMIP 1.x attributes (KMIP 1.4 sections 3.1 to 3.52), in section order. */
const ATTRIBUTE_TAGS: readonly TagName[] = [
  "UniqueIdentifier",
  "Name",
  "ObjectType",
  "CryptographicAlgorithm",
  "CryptographicLength",
  "CryptographicParameters",
  "CryptographicDomainParameters",
  "CertificateType",
  "CertificateLength",
  "X_509CertificateIdentifier",
  "X_509CertificateSubject",
  "X_509CertificateIssuer",
  "CertificateIdentifier",
  "CertificateSubject",
  "CertificateIssuer",
  "DigitalSignatureAlgorithm",
  "Digest",
  "OperationPolicyName",
  "CryptographicUsageMask",
  "LeaseTime",
  "UsageLimits",
  "State",
  "InitialDate",
  "ActivationDate",
  "ProcessStartDate",
  "ProtectStopDate",
  "DeactivationDate",
  "DestroyDate",
  "CompromiseOccurrenceDate",
  "CompromiseDate",
  "RevocationReason",
  "ArchiveDate",
  "ObjectGroup",
  "Fresh",
  "Link",
  "ApplicationSpecificInformation",
  "ContactInformation",
  "LastChangeDate",
  "AlternativeName",
  "KeyValuePresent",
  "KeyValueLocation",
  "OriginalCreationDate",
  "RandomNumberGenerator",
  "PKCS_12FriendlyName",
  "Description",
  "Comment",
  "Sensitive",
  "AlwaysSensitive",
  "Extractable",
  "NeverExtractable",
];

const TAG_BY_ATTRIBUTE: ReadonlyMap<string, number> = new Map(
  ATTRIBUTE_TAGS.map((name): [string, number] => [tagText(Tag[name])!, Tag[name]]),
);
const ATTRIBUTE_BY_TAG: ReadonlyMap<number, string> = new Map(
  [...TAG_BY_ATTRIBUTE].map(([name, tag]): [number, string] => [tag, name]),
);

/** The tag of a KMIP 1.x attribute name ("Cryptographic Algorithm" -> 0x420028), if standard. */
export function attributeTagByName(name: string): number | undefined {
  return TAG_BY_ATTRIBUTE.get(name);
}

/** The KMIP 1.x attribute name of a tag (0x420028 -> "Cryptographic Algorithm"), if one. */
export function attributeNameByTag(tag: number): string | undefined {
  return ATTRIBUTE_BY_TAG.get(tag);
}

/** Whether a KMIP 1.x attribute name is a custom one (KMIP 1.4 section 3.39: "x-" or "y-"). */
export function isCustomAttributeName(name: string): boolean {
  return name.startsWith("x-") || name.startsWith("y-");
}

/** The enumeration and bit mask that give a value its names. */
export interface ValueTables {
  readonly enumTable?: EnumTable | undefined;
  readonly maskTable?: EnumTable | undefined;
}

/**
 * The tables of an item's value: those of its tag, except for a 1.x `AttributeValue`, whose
 * meaning is the attribute named by the sibling `AttributeName` (KMIP 1.4 section 2.1.1).
 */
export function valueTables(tag: number, attributeName?: string): ValueTables {
  const key =
    tag !== Tag.AttributeValue
      ? tag
      : attributeName === undefined
        ? undefined
        : attributeTagByName(attributeName);
  return key === undefined ? {} : { enumTable: enumForTag(key), maskTable: maskForTag(key) };
}
