import { ResultReason, ResultStatus } from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import {
  buildResponse,
  failedItem,
  type RequestMessage,
  type ResponseBatchItem,
} from "../kmip/messages.js";
import { encodedLength, encodeTtlv } from "../ttlv/encode.js";
import type { TtlvItem } from "../ttlv/types.js";

/**
 * KMIP 1.4 section 6.3: a response larger than the request's Maximum Response Size is not
 * sent. Instead each item is answered with Response Too Large (the operations already ran:
 * their effects stay, as with any failed batch), the reason spelled out on the first item
 * only; when even that does not fit, one bare Response Too Large item stands for the batch.
 * The answer must itself fit, or a strict client fails at its read limit instead of seeing
 * the KMIP error.
 */
export function enforceMaximumResponseSize(
  response: Buffer,
  request: RequestMessage,
  items: readonly ResponseBatchItem[],
  max: number | undefined,
): Buffer {
  if (max === undefined || response.length <= max) return response;
  const version = request.header.version;
  const explained = new KmipError(
    ResultReason.ResponseTooLarge,
    `the response has ${response.length} bytes or more, over the limit of ${max}`,
  );
  const bare = (item: ResponseBatchItem): ResponseBatchItem => ({
    operation: item.operation,
    uniqueBatchItemId: item.uniqueBatchItemId,
    status: ResultStatus.OperationFailed,
    reason: ResultReason.ResponseTooLarge,
  });
  const candidates: ResponseBatchItem[][] = [
    items.map((item, i) => (i === 0 ? failedItem(item, explained) : bare(item))),
    items.map(bare),
    items.slice(0, 1).map((item) => failedItem(item, explained)),
    items.slice(0, 1).map(bare),
  ];
  let smallest: Buffer | undefined;
  for (const candidate of candidates) {
    smallest = encodeTtlv(buildResponse(version, candidate));
    if (smallest.length <= max) break;
  }
  return smallest ?? response;
}

/**
 * The size a response may have: the client's Maximum Response Size, capped by the relay's
 * own `max-response-bytes` (which bounds the memory one request can make the relay use).
 */
export function responseLimit(
  clientMaximum: number | undefined,
  serverMaximum: number | undefined,
): number | undefined {
  if (clientMaximum === undefined) return serverMaximum;
  if (serverMaximum === undefined) return clientMaximum;
  return Math.min(clientMaximum, serverMaximum);
}

/** The failure of an item not run, or answered, once the answers exceed `max` bytes. */
export function responseTooLarge(max: number): KmipError {
  return new KmipError(
    ResultReason.ResponseTooLarge,
    `the response would exceed the limit of ${max} bytes`,
  );
}

/** Estimated encoded size of an answered item's payload (what it adds to the response). */
export function payloadBytes(payload: readonly TtlvItem[] | undefined): number {
  if (payload === undefined) return 0;
  let bytes = 0;
  for (const field of payload) bytes += encodedLength(field);
  return bytes;
}
