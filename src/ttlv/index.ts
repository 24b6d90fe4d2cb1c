/**
 * Generic TTLV codec (KMIP 1.4 section 9.1): item model, decoder, encoder, stream framing and
 * hex helpers. Knows nothing of KMIP tags or messages (those live in `src/kmip/`).
 */
export { decodeTtlv } from "./decode.js";
export { encodedLength, encodeTtlv } from "./encode.js";
export { formatTagPath, TtlvError, type TtlvErrorCode } from "./errors.js";
export { declaredMessageLength, TtlvFramer, type TtlvFramerOptions } from "./framing.js";
export { bytesToHex, hexToBytes } from "./hex.js";
export * from "./types.js";
export { paddedLength, TTLV_HARD_MAX_DEPTH, TTLV_HEADER_BYTES } from "./wire.js";
