/**
 * Typed errors of the TTLV codec. The kind of failure (`code`) is kept apart from where it
 * happened (`offset`, `tagPath`), so callers can map codes to KMIP result reasons and log
 * locations without parsing messages.
 */

/** What went wrong while decoding, encoding or framing TTLV. */
export type TtlvErrorCode =
  | "Truncated"
  | "BadLength"
  | "BadType"
  | "BadPadding"
  | "BadBoolean"
  | "BadUtf8"
  | "TooLarge"
  | "TooDeep"
  | "TooManyItems"
  | "TrailingBytes"
  | "BadHex"
  | "BadValue";

/**
 * A TTLV codec failure.
 *
 * - `offset`: byte offset in the input where the problem was found (for hex parsing: the
 *   character index; for encoding: 0, as there is no input buffer).
 * - `tagPath`: tags from the outermost item down to the item concerned (empty when no tag
 *   was read yet).
 */
export class TtlvError extends Error {
  readonly code: TtlvErrorCode;
  readonly offset: number;
  readonly tagPath: readonly number[];

  constructor(code: TtlvErrorCode, message: string, offset: number, tagPath: readonly number[]) {
    super(message);
    this.name = "TtlvError";
    this.code = code;
    this.offset = offset;
    this.tagPath = tagPath;
  }
}

/** Formats a tag path for messages, e.g. `420078/42000F/42005C`. */
export function formatTagPath(tagPath: readonly number[]): string {
  return tagPath.map((tag) => tag.toString(16).toUpperCase().padStart(6, "0")).join("/");
}
