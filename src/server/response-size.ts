import { ResultReason, ResultStatus } from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import {
  buildResponse,
  failedItem,
  type RequestMessage,
  type ResponseBatchItem,
} from "../kmip/messages.js";
import { encodeTtlv } from "../ttlv/encode.js";

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
): Buffer {
  const max = request.header.maximumResponseSize;
  if (max === undefined || response.length <= max) return response;
  const version = request.header.version;
  const explained = new KmipError(
    ResultReason.ResponseTooLarge,
    `the response has ${response.length} bytes, more than the Maximum Response Size ${max}`,
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
