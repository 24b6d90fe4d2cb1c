/**
 * Applicability: which test cases a PKCS#11 relay can pass at all. Decided from the file's
 * content alone, before it runs, by the tables below (docs/conformance.md, "Applicability").
 * A file is not applicable (N/A) when it needs something listed here; every reason found is
 * reported. An operation the relay's purpose covers but that it lacks is NOT a reason: such a
 * file runs and fails, naming the operation.
 */
import { attributeTagByName } from "../../src/kmip/attributes.js";
import { HashingAlgorithm, ObjectType, PaddingMethod } from "../../src/kmip/enums.js";
import { Tag, tagLabel } from "../../src/kmip/tags.js";
import type { TtlvItem } from "../../src/ttlv/types.js";
import {
  ENFORCED_ATTRIBUTES,
  NA_ATTRIBUTES,
  NA_OBJECT_TYPES,
  NA_OPERATIONS,
  NA_PRIVATE_KEY_ATTRIBUTES,
  NA_SETS,
  NA_TOKEN_ALGORITHMS,
  SERVER_POLICY_FILES,
  VECTOR_ERRATA,
} from "./rules-tables.js";
import { type Step, type VectorFile, vectorId } from "./vectors.js";

/** What the rules found in one file. */
export interface Applicability {
  /** Every reason the file is not applicable (empty: applicable). */
  readonly reasons: string[];
  /** Attributes left out when the file runs anyway (the N/A attributes it expects). */
  readonly ignored: ReadonlySet<number>;
  /**
   * Whether an N/A file is still worth running for information (its reasons are only
   * attributes and enforcement: the operations themselves exist on a PKCS#11 relay).
   */
  readonly runnable: boolean;
}

/** The attribute an item names or is: its own tag, a 1.x Attribute's name, a reference. */
export function attributeTagOf(item: TtlvItem): number | undefined {
  if (item.tag === Tag.Attribute && item.type === "Structure") {
    const name = item.value.find((c) => c.tag === Tag.AttributeName);
    return name?.type === "TextString" ? attributeTagByName(name.value) : undefined;
  }
  if (item.tag === Tag.AttributeName && item.type === "TextString") {
    return attributeTagByName(item.value);
  }
  if (item.tag === Tag.AttributeReference && item.type === "Enumeration") return item.value;
  return item.tag;
}

function walk(item: TtlvItem, visit: (item: TtlvItem, parent: number) => void, parent = -1): void {
  visit(item, parent);
  if (item.type === "Structure") for (const child of item.value) walk(child, visit, item.tag);
}

/** Applies every table to a file. */
export function applicability(file: VectorFile, steps: readonly Step[]): Applicability {
  const blocking = new Set<string>();
  const soft = new Set<string>();
  const ignored = new Set<number>();
  const setReason = NA_SETS[file.set];
  if (setReason !== undefined) blocking.add(setReason);
  const erratum = VECTOR_ERRATA[vectorId(file)];
  if (erratum !== undefined) blocking.add(erratum);
  for (const policy of SERVER_POLICY_FILES) {
    if (policy.name.test(file.name)) blocking.add(policy.reason);
  }
  const returned = new Set<string>();
  const privateKeys = new Set<string>();
  for (const step of steps) {
    notePrivateKeys(step, privateKeys);
    scanPrivateKeyAttributes(step.response, privateKeys, ignored);
    scanProvisioned(step, returned, blocking);
    walk(step.request, (item, parent) => {
      scanCommon(item, parent, blocking);
      scanAlgorithm(item, blocking);
      scanOaep(item, blocking);
      scanRequest(item, soft);
    });
    walk(step.response, (item, parent) => {
      scanCommon(item, parent, blocking);
      scanSensitive(item, blocking);
      scanResponse(item, ignored);
    });
  }
  return {
    reasons: [...blocking, ...soft, ...attributeReasons(ignored)],
    ignored,
    runnable: blocking.size === 0,
  };
}

/** Text values of the identifiers in a message. */
function identifiers(message: TtlvItem): string[] {
  const out: string[] = [];
  walk(message, (item) => {
    if (item.tag === Tag.UniqueIdentifier && item.type === "TextString") out.push(item.value);
  });
  return out;
}

/** A request naming an object by a fixed UID no earlier response returned needs a prepared server. */
function scanProvisioned(step: Step, returned: Set<string>, reasons: Set<string>): void {
  for (const uid of identifiers(step.request)) {
    if (!uid.startsWith("$") && !returned.has(uid)) {
      reasons.add(
        `uses object "${uid}", which the test case does not create (provisioned beforehand)`,
      );
    }
  }
  for (const uid of identifiers(step.response)) returned.add(uid);
}

/** The value of attribute `tag` that `item` is: the 2.x item itself, or a 1.x Attribute's value. */
function attributeValueOf(item: TtlvItem, tag: number): TtlvItem | undefined {
  if (item.tag === tag) return item;
  if (item.type !== "Structure" || attributeTagOf(item) !== tag) return undefined;
  return item.value.find((c) => c.tag === Tag.AttributeValue);
}

/** The value of an Enumeration attribute `tag` that `item` is (see attributeValueOf). */
function enumAttributeOf(item: TtlvItem, tag: number): number | undefined {
  const value = attributeValueOf(item, tag);
  return value?.type === "Enumeration" ? value.value : undefined;
}

/** The fields of a Cryptographic Parameters structure (2.x item or 1.x Attribute value). */
function cryptoParameters(item: TtlvItem): readonly TtlvItem[] | undefined {
  const value = attributeValueOf(item, Tag.CryptographicParameters);
  return value?.type === "Structure" ? value.value : undefined;
}

/**
 * RSA-OAEP with a hash or MGF1 hash other than SHA-1: SoftHSM2 2.6 answers CKR_ARGUMENTS_BAD
 * ("hashAlg must be CKM_SHA_1", "mgf must be CKG_MGF1_SHA1").
 */
function scanOaep(item: TtlvItem, reasons: Set<string>): void {
  const fields = cryptoParameters(item);
  if (!fields) return;
  const value = (tag: number) => {
    const field = fields.find((f) => f.tag === tag);
    return field?.type === "Enumeration" ? field.value : undefined;
  };
  if (value(Tag.PaddingMethod) !== PaddingMethod.OAEP) return;
  const hashes = [value(Tag.HashingAlgorithm), value(Tag.MaskGeneratorHashingAlgorithm)];
  if (hashes.some((h) => h !== undefined && h !== HashingAlgorithm.SHA_1)) {
    reasons.add("RSA-OAEP with a hash other than SHA-1: SoftHSM2 supports SHA-1 / MGF1-SHA-1 only");
  }
}

function scanAlgorithm(item: TtlvItem, reasons: Set<string>): void {
  const algorithm = enumAttributeOf(item, Tag.CryptographicAlgorithm);
  const reason = algorithm === undefined ? undefined : NA_TOKEN_ALGORITHMS.get(algorithm);
  if (reason !== undefined) reasons.add(reason);
}

function scanCommon(item: TtlvItem, parent: number, reasons: Set<string>): void {
  if (item.tag === Tag.Operation && item.type === "Enumeration" && parent === Tag.BatchItem) {
    const reason = NA_OPERATIONS.get(item.value);
    if (reason !== undefined) reasons.add(reason);
  }
  const objectType = objectTypeOf(item);
  const reason = objectType === undefined ? undefined : NA_OBJECT_TYPES.get(objectType);
  if (reason !== undefined) reasons.add(reason);
}

/** The value of an Object Type field or 1.x "Object Type" Attribute. */
function objectTypeOf(item: TtlvItem): number | undefined {
  return enumAttributeOf(item, Tag.ObjectType);
}

function scanRequest(item: TtlvItem, reasons: Set<string>): void {
  const tag = attributeTagOf(item);
  if (tag === undefined) return;
  const enforced = ENFORCED_ATTRIBUTES.get(tag);
  if (enforced !== undefined && item.tag !== Tag.AttributeReference) reasons.add(enforced);
}

/** Key objects whose material a relay keeps on the token (sensitive, never extractable). */
const SENSITIVE_OBJECTS: ReadonlyMap<number, string> = new Map([
  [Tag.SymmetricKey, "a symmetric key"],
  [Tag.PrivateKey, "a private key"],
]);

function scanSensitive(item: TtlvItem, reasons: Set<string>): void {
  const sensitive = SENSITIVE_OBJECTS.get(item.tag);
  if (sensitive !== undefined) {
    reasons.add(`expects the key material of ${sensitive}: keys on the token are sensitive`);
  }
}

function scanResponse(item: TtlvItem, ignored: Set<number>): void {
  const tag = attributeTagOf(item);
  if (tag === undefined) return;
  if (NA_ATTRIBUTES.has(tag)) ignored.add(tag);
}

/** The UIDs of private keys a step's response returns (Create Key Pair, Register). */
function notePrivateKeys(step: Step, privateKeys: Set<string>): void {
  const registersPrivate = findTag(step.request, (i) => objectTypeOf(i) === ObjectType.PrivateKey);
  walk(step.response, (item, parent) => {
    if (item.type !== "TextString") return;
    if (item.tag === Tag.PrivateKeyUniqueIdentifier) privateKeys.add(item.value);
    const registered = item.tag === Tag.UniqueIdentifier && parent === Tag.ResponsePayload;
    if (registered && registersPrivate) privateKeys.add(item.value);
  });
}

/**
 * NA_PRIVATE_KEY_ATTRIBUTES expected in a response payload about a private key: its Object
 * Type says so, or its Unique Identifier is one of `privateKeys`.
 */
function scanPrivateKeyAttributes(
  response: TtlvItem,
  privateKeys: ReadonlySet<string>,
  ignored: Set<number>,
): void {
  walk(response, (payload) => {
    if (payload.tag !== Tag.ResponsePayload || payload.type !== "Structure") return;
    const uid = payload.value.find((c) => c.tag === Tag.UniqueIdentifier);
    const aboutPrivate =
      (uid?.type === "TextString" && privateKeys.has(uid.value)) ||
      findTag(payload, (i) => objectTypeOf(i) === ObjectType.PrivateKey);
    if (!aboutPrivate) return;
    walk(payload, (item) => {
      const tag = attributeTagOf(item);
      if (tag !== undefined && NA_PRIVATE_KEY_ATTRIBUTES.has(tag)) ignored.add(tag);
    });
  });
}

/** Whether any item under `root` satisfies `test`. */
function findTag(root: TtlvItem, test: (item: TtlvItem) => boolean): boolean {
  let found = false;
  walk(root, (item) => {
    if (!found && test(item)) found = true;
  });
  return found;
}

/** One reason per distinct explanation, naming the attributes: "expects State: ...". */
function attributeReasons(ignored: ReadonlySet<number>): string[] {
  const byReason = new Map<string, string[]>();
  for (const tag of ignored) {
    const reason = (NA_ATTRIBUTES.get(tag) ?? NA_PRIVATE_KEY_ATTRIBUTES.get(tag)) as string;
    byReason.set(reason, [...(byReason.get(reason) ?? []), tagLabel(tag)]);
  }
  return [...byReason].map(([reason, names]) => `expects ${names.join(", ")}: ${reason}`);
}
