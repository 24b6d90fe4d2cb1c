import type { TtlvItem } from "../ttlv/types.js";
import { ResultReason } from "./enums.js";

/** A Result Reason value (KMIP 1.4 section 9.1.3.2.29). */
export type ResultReasonValue = (typeof ResultReason)[keyof typeof ResultReason];

/**
 * A KMIP-level failure of one batch item: carried back as a value and turned into a failed
 * batch item (Result Status Operation Failed, this Result Reason and message), never a crash.
 */
export class KmipError extends Error {
  readonly reason: ResultReasonValue;
  /**
   * Response Payload fields of the failed item, for the rare operation whose failure carries
   * some (a failed Check returns the attributes that failed, KMIP 1.4 section 4.10).
   */
  readonly payload: readonly TtlvItem[] | undefined;

  constructor(reason: ResultReasonValue, message: string, payload?: readonly TtlvItem[]) {
    super(message);
    this.name = "KmipError";
    this.reason = reason;
    this.payload = payload;
  }
}

/** Shorthands for the reasons the codebase raises most. */
export const kmipErrors = {
  invalidField: (message: string) => new KmipError(ResultReason.InvalidField, message),
  invalidMessage: (message: string) => new KmipError(ResultReason.InvalidMessage, message),
  missingData: (message: string) => new KmipError(ResultReason.MissingData, message),
  notFound: (message: string) => new KmipError(ResultReason.ItemNotFound, message),
  notSupported: (message: string) => new KmipError(ResultReason.FeatureNotSupported, message),
  permissionDenied: (message: string) => new KmipError(ResultReason.PermissionDenied, message),
  authentication: (message: string) =>
    new KmipError(ResultReason.AuthenticationNotSuccessful, message),
} as const;
