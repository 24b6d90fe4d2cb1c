/**
 * The field order Cascade's KMIP client accepts, per structure. Its newest reader
 * (kmip-protocol's FastScanner) reads each structure's fields in one fixed order and then
 * requires the structure to be used up: a field out of order, an unknown field, or any
 * content in a structure it models as empty (Server Information) fails the whole response.
 */
import { Operation } from "../../../src/kmip/enums.js";
import { childrenOf, findChild, nameOf } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";

/** One field: its tag and how often it may come ("1" when omitted). */
interface Field {
  readonly tag: number;
  readonly times?: "?" | "*";
}

const one = (tag: number): Field => ({ tag });
const opt = (tag: number): Field => ({ tag, times: "?" });
const many = (tag: number): Field => ({ tag, times: "*" });

/** Checks that the children of `item` are exactly `fields`, in order. */
export function expectFields(item: TtlvItem, fields: readonly Field[]): void {
  const children = childrenOf(item);
  let at = 0;
  for (const field of fields) {
    if (field.times === "*") {
      while (children[at]?.tag === field.tag) at++;
    } else if (children[at]?.tag === field.tag) {
      at++;
    } else if (field.times !== "?") {
      const found = children[at] === undefined ? "nothing" : nameOf(children[at]!.tag);
      throw new Error(`${nameOf(item.tag)}: expected ${nameOf(field.tag)}, found ${found}`);
    }
  }
  if (at < children.length) {
    throw new Error(`${nameOf(item.tag)}: unexpected ${nameOf(children[at]!.tag)} at field ${at}`);
  }
}

/** Response Batch Item (kmip-protocol BatchItem::fast_scan_inner). */
export const BATCH_ITEM: readonly Field[] = [
  opt(Tag.Operation),
  opt(Tag.UniqueBatchItemID),
  one(Tag.ResultStatus),
  opt(Tag.ResultReason),
  opt(Tag.ResultMessage),
  opt(Tag.ResponsePayload),
  opt(Tag.MessageExtension),
];

function checkGet(payload: TtlvItem): void {
  expectFields(payload, [one(Tag.ObjectType), one(Tag.UniqueIdentifier), one(Tag.PublicKey)]);
  const publicKey = findChild(payload, Tag.PublicKey)!;
  expectFields(publicKey, [one(Tag.KeyBlock)]);
  const block = findChild(publicKey, Tag.KeyBlock)!;
  expectFields(block, [
    one(Tag.KeyFormatType),
    opt(Tag.KeyCompressionType),
    one(Tag.KeyValue),
    opt(Tag.CryptographicAlgorithm),
    opt(Tag.CryptographicLength),
    opt(Tag.KeyWrappingData),
  ]);
  expectFields(findChild(block, Tag.KeyValue)!, [one(Tag.KeyMaterial), many(Tag.Attribute)]);
}

function checkQuery(payload: TtlvItem): void {
  expectFields(payload, [
    many(Tag.Operation),
    many(Tag.ObjectType),
    opt(Tag.VendorIdentification),
    opt(Tag.ServerInformation),
  ]);
  checkServerInformation(payload);
}

/**
 * The client models Server Information as an empty structure (`struct ServerInformation {}`
 * whose scan ends with `finish()`): any field inside fails the whole Query response.
 */
export function checkServerInformation(queryPayload: TtlvItem): void {
  const info = findChild(queryPayload, Tag.ServerInformation);
  if (info !== undefined) expectFields(info, []);
}

function checkAttributeEdit(payload: TtlvItem): void {
  expectFields(payload, [one(Tag.UniqueIdentifier), one(Tag.Attribute)]);
  const attribute = findChild(payload, Tag.Attribute)!;
  expectFields(attribute, [
    one(Tag.AttributeName),
    opt(Tag.AttributeIndex),
    one(Tag.AttributeValue),
  ]);
  expectFields(findChild(attribute, Tag.AttributeValue)!, [one(Tag.NameValue), one(Tag.NameType)]);
}

const UID_ONLY = (payload: TtlvItem) => expectFields(payload, [one(Tag.UniqueIdentifier)]);

/** Response Payload checks by operation (kmip-protocol ResponsePayload::fast_scan_opt). */
export const PAYLOAD_SHAPES: ReadonlyMap<number, (payload: TtlvItem) => void> = new Map([
  [Operation.Query, checkQuery],
  [
    Operation.CreateKeyPair,
    (p: TtlvItem) =>
      expectFields(p, [one(Tag.PrivateKeyUniqueIdentifier), one(Tag.PublicKeyUniqueIdentifier)]),
  ],
  [Operation.Get, checkGet],
  [Operation.Activate, UID_ONLY],
  [Operation.ModifyAttribute, checkAttributeEdit],
  [
    Operation.Sign,
    (p: TtlvItem) => expectFields(p, [one(Tag.UniqueIdentifier), one(Tag.SignatureData)]),
  ],
  [Operation.Revoke, UID_ONLY],
  [Operation.Destroy, UID_ONLY],
]);
