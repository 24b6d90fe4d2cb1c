/**
 * KMIP request and response messages (KMIP 1.4 section 7, KMIP 2.1 section 8).
 *
 * A request is parsed leniently per batch item: a malformed item becomes a failed response
 * item, the others still run. Only a malformed header fails the whole message.
 */
import type { TtlvItem } from "../ttlv/types.js";
import { CredentialType, ResultStatus } from "./enums.js";
import { KmipError, kmipErrors, type ResultReasonValue } from "./errors.js";
import {
  build,
  childrenOf,
  findChildren,
  type ItemOf,
  nameOf,
  optional,
  optionalStruct,
  required,
  requiredStruct,
} from "./item.js";
import { Tag } from "./tags.js";

/** Protocol Version (KMIP 1.4 section 6.1). */
export interface ProtocolVersion {
  readonly major: number;
  readonly minor: number;
}

/** Whether `version` is `major.minor` or later. */
export function versionAtLeast(version: ProtocolVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/**
 * A Username and Password credential (KMIP 1.4 section 2.1.2, Table 4). The password is a
 * secret (for the relay: the token's user PIN): never log this object.
 */
export interface UsernamePasswordCredential {
  readonly type: "UsernameAndPassword";
  readonly username: string;
  readonly password: string | undefined;
}

/** A credential the relay does not interpret, kept so errors can name its type. */
export interface OtherCredential {
  readonly type: "Other";
  readonly credentialType: number;
}

/** Request Header (KMIP 1.4 section 7.2, Table 256; 2.x additions are ignored). */
export interface RequestHeader {
  readonly version: ProtocolVersion;
  readonly maximumResponseSize: number | undefined;
  readonly credential: UsernamePasswordCredential | OtherCredential | undefined;
  readonly batchErrorContinuationOption: number | undefined;
  readonly batchOrderOption: boolean | undefined;
  readonly batchCount: number;
}

/** One request Batch Item; `error` is set when the item itself is malformed. */
export interface RequestBatchItem {
  readonly operation: number | undefined;
  readonly uniqueBatchItemId: Uint8Array | undefined;
  readonly payload: ItemOf<"Structure"> | undefined;
  readonly error: KmipError | undefined;
}

/** A parsed Request Message. */
export interface RequestMessage {
  readonly header: RequestHeader;
  readonly items: readonly RequestBatchItem[];
}

/** One response Batch Item (KMIP 1.4 section 7.2, Table 259). */
export interface ResponseBatchItem {
  readonly operation: number | undefined;
  readonly uniqueBatchItemId: Uint8Array | undefined;
  readonly status: number;
  readonly reason?: ResultReasonValue;
  readonly message?: string;
  readonly payload?: readonly TtlvItem[];
}

/** Reads the Protocol Version structure inside `parent`. */
export function parseProtocolVersion(parent: TtlvItem): ProtocolVersion {
  const pv = requiredStruct(parent, Tag.ProtocolVersion);
  return {
    major: required(pv, Tag.ProtocolVersionMajor, "Integer"),
    minor: required(pv, Tag.ProtocolVersionMinor, "Integer"),
  };
}

function parseCredential(header: TtlvItem): RequestHeader["credential"] {
  // KMIP 2.x allows several Credentials in one Authentication; the first one is used.
  const auth = optionalStruct(header, Tag.Authentication);
  if (auth === undefined) return undefined;
  const credential = requiredStruct(auth, Tag.Credential);
  const credentialType = required(credential, Tag.CredentialType, "Enumeration");
  if (credentialType !== CredentialType.UsernameAndPassword) {
    return { type: "Other", credentialType };
  }
  const value = requiredStruct(credential, Tag.CredentialValue);
  return {
    type: "UsernameAndPassword",
    username: required(value, Tag.Username, "TextString"),
    password: optional(value, Tag.Password, "TextString"),
  };
}

/** Reads a Request Header; throws KmipError (Invalid Message) when it is unusable. */
export function parseRequestHeader(header: TtlvItem): RequestHeader {
  return {
    version: parseProtocolVersion(header),
    maximumResponseSize: optional(header, Tag.MaximumResponseSize, "Integer"),
    credential: parseCredential(header),
    batchErrorContinuationOption: optional(header, Tag.BatchErrorContinuationOption, "Enumeration"),
    batchOrderOption: optional(header, Tag.BatchOrderOption, "Boolean"),
    batchCount: required(header, Tag.BatchCount, "Integer"),
  };
}

function parseBatchItem(item: TtlvItem): RequestBatchItem {
  let operation: number | undefined;
  let uniqueBatchItemId: Uint8Array | undefined;
  try {
    operation = optional(item, Tag.Operation, "Enumeration");
    uniqueBatchItemId = optional(item, Tag.UniqueBatchItemID, "ByteString");
    if (operation === undefined)
      throw kmipErrors.invalidMessage("BatchItem: Operation is required");
    const payload = requiredStruct(item, Tag.RequestPayload);
    return { operation, uniqueBatchItemId, payload, error: undefined };
  } catch (err) {
    if (!(err instanceof KmipError)) throw err;
    return { operation, uniqueBatchItemId, payload: undefined, error: err };
  }
}

/**
 * Parses a decoded Request Message. Throws KmipError when the message or its header is
 * unusable (the caller answers with a single failed item); item-level problems are kept
 * in each item's `error`.
 */
export function parseRequest(message: TtlvItem): RequestMessage {
  if (message.tag !== Tag.RequestMessage) {
    throw kmipErrors.invalidMessage(`expected RequestMessage, got ${nameOf(message.tag)}`);
  }
  const header = parseRequestHeader(requiredStruct(message, Tag.RequestHeader));
  const items = findChildren(message, Tag.BatchItem).map(parseBatchItem);
  if (items.length === 0) throw kmipErrors.invalidMessage("RequestMessage: no BatchItem");
  if (items.length !== header.batchCount) {
    throw kmipErrors.invalidMessage(
      `RequestHeader: BatchCount is ${header.batchCount} but the message has ${items.length} BatchItem(s)`,
    );
  }
  return { header, items };
}

/** Best effort: the protocol version of a message whose header may be broken. */
export function sniffProtocolVersion(message: TtlvItem): ProtocolVersion | undefined {
  try {
    const header = childrenOf(message).find((c) => c.tag === Tag.RequestHeader);
    return header === undefined ? undefined : parseProtocolVersion(header);
  } catch {
    return undefined;
  }
}

function buildResponseItem(item: ResponseBatchItem): TtlvItem {
  const fields: TtlvItem[] = [];
  if (item.operation !== undefined) fields.push(build.enumeration(Tag.Operation, item.operation));
  if (item.uniqueBatchItemId !== undefined) {
    fields.push(build.byteString(Tag.UniqueBatchItemID, item.uniqueBatchItemId));
  }
  fields.push(build.enumeration(Tag.ResultStatus, item.status));
  if (item.reason !== undefined) fields.push(build.enumeration(Tag.ResultReason, item.reason));
  if (item.message !== undefined) fields.push(build.textString(Tag.ResultMessage, item.message));
  if (item.payload !== undefined) fields.push(build.structure(Tag.ResponsePayload, item.payload));
  return build.structure(Tag.BatchItem, fields);
}

/**
 * Builds a Response Message. The header is exactly Protocol Version, Time Stamp and Batch
 * Count: strict clients (PyKMIP 0.10) reject any other header field.
 */
export function buildResponse(
  version: ProtocolVersion,
  items: readonly ResponseBatchItem[],
  now: Date = new Date(),
): TtlvItem {
  const header = build.structure(Tag.ResponseHeader, [
    build.structure(Tag.ProtocolVersion, [
      build.integer(Tag.ProtocolVersionMajor, version.major),
      build.integer(Tag.ProtocolVersionMinor, version.minor),
    ]),
    build.dateTime(Tag.TimeStamp, BigInt(Math.floor(now.getTime() / 1000))),
    build.integer(Tag.BatchCount, items.length),
  ]);
  return build.structure(Tag.ResponseMessage, [header, ...items.map(buildResponseItem)]);
}

/** A failed response item for `error`. */
export function failedItem(
  request: Pick<RequestBatchItem, "operation" | "uniqueBatchItemId"> | undefined,
  error: KmipError,
): ResponseBatchItem {
  return {
    operation: request?.operation,
    uniqueBatchItemId: request?.uniqueBatchItemId,
    status: ResultStatus.OperationFailed,
    reason: error.reason,
    message: error.message,
    ...(error.payload === undefined ? {} : { payload: error.payload }),
  };
}
