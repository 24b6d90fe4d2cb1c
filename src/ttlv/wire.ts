/**
 * Wire constants shared by the TTLV decoder, encoder and framer (KMIP 1.4 section 9.1.1).
 */

/** Bytes of tag (3) + type (1) + big-endian length (4) in front of every value. */
export const TTLV_HEADER_BYTES = 8;

/**
 * Nesting bound whatever the configured `maxDepth`: decoder and encoder recurse once per
 * nested structure, and this keeps far below the JavaScript stack limit.
 */
export const TTLV_HARD_MAX_DEPTH = 512;

/** Value length plus the zero padding up to the next multiple of 8 (KMIP 1.4 9.1.1.3). */
export function paddedLength(length: number): number {
  return length + ((8 - (length & 7)) & 7);
}
