/**
 * The little DER (ITU-T X.690) the operations need: the OCTET STRING around CKA_EC_POINT,
 * and the ECDSA signature SEQUENCE{r, s} (RFC 5480 section 2.2 / RFC 3279 Ecdsa-Sig-Value)
 * built from the r||s that PKCS#11 returns (PKCS#11 v2.40 section 2.3.1), and read back into
 * r||s, each left-padded to the curve's coordinate size, for C_Verify.
 */
const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;

/** DER length octets: short form below 128, else 0x80|n followed by n big-endian bytes. */
function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** How many octets lengthOctets(length) has, without building them. */
function lengthSize(length: number): number {
  let size = 1;
  if (length >= 0x80) for (let n = length; n > 0; n = Math.floor(n / 256)) size++;
  return size;
}

/** Writes the length octets of `length` at `offset` of `out`; returns the end. */
function writeLength(out: Uint8Array, offset: number, length: number): number {
  const end = offset + lengthSize(length);
  if (length < 0x80) {
    out[offset] = length;
    return end;
  }
  out[offset] = 0x80 | (end - offset - 1);
  for (let at = end - 1, n = length; at > offset; at--, n = Math.floor(n / 256)) out[at] = n % 256;
  return end;
}

/** A non-negative INTEGER's minimal magnitude (from `start`), its 0x00 pad, content and DER size. */
interface IntegerLayout {
  bytes: Uint8Array;
  start: number;
  pad: number;
  contentLength: number;
  size: number;
}

function integerLayout(bytes: Uint8Array): IntegerLayout {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const pad = start === bytes.length || (bytes[start]! & 0x80) !== 0 ? 1 : 0;
  const contentLength = pad + bytes.length - start;
  return { bytes, start, pad, contentLength, size: 1 + lengthSize(contentLength) + contentLength };
}

/** Writes the INTEGER laid out in `layout` at `offset` of `out`; returns the end. */
function writeInteger(out: Uint8Array, offset: number, layout: IntegerLayout): number {
  out[offset] = INTEGER;
  let at = writeLength(out, offset + 1, layout.contentLength);
  if (layout.pad === 1) out[at++] = 0;
  out.set(layout.bytes.subarray(layout.start), at);
  return offset + layout.size;
}

/**
 * ECDSA r||s (two equal halves) as DER SEQUENCE{INTEGER r, INTEGER s}, written into one
 * buffer (this runs once per ECDSA signature).
 */
export function ecdsaSignatureToDer(rs: Uint8Array): Uint8Array {
  if (rs.length === 0 || rs.length % 2 !== 0) {
    throw new Error(`ECDSA signature of odd length ${rs.length}`);
  }
  const half = rs.length / 2;
  const r = integerLayout(rs.subarray(0, half));
  const s = integerLayout(rs.subarray(half));
  const contentLength = r.size + s.size;
  const out = new Uint8Array(1 + lengthSize(contentLength) + contentLength);
  out[0] = SEQUENCE;
  writeInteger(out, writeInteger(out, writeLength(out, 1, contentLength), r), s);
  return out;
}

/**
 * The content of `bytes` when it is exactly one DER OCTET STRING of `contentLength` bytes;
 * undefined otherwise (then `bytes` is taken to be the bare value).
 */
export function unwrapOctetString(
  bytes: Uint8Array,
  contentLength: number,
): Uint8Array | undefined {
  const header = [OCTET_STRING, ...lengthOctets(contentLength)];
  if (bytes.length !== header.length + contentLength) return undefined;
  if (!header.every((b, i) => bytes[i] === b)) return undefined;
  return bytes.subarray(header.length);
}

/** One DER TLV: `tag`, the length octets, `content`. */
export function derTlv(tag: number, content: Uint8Array): Uint8Array {
  return new Uint8Array([tag, ...lengthOctets(content.length), ...content]);
}

/** DER OCTET STRING around `content` (as CKA_EC_POINT holds a point). */
export function derOctetString(content: Uint8Array): Uint8Array {
  return derTlv(OCTET_STRING, content);
}

/** DER INTEGER of the unsigned big-endian `bytes` (minimal, with a 0 before a high bit). */
export function derUnsignedInteger(bytes: Uint8Array): Uint8Array {
  const layout = integerLayout(bytes);
  const out = new Uint8Array(layout.size);
  writeInteger(out, 0, layout);
  return out;
}

/** Reads a DER length at `at`: [length, next offset], or undefined when malformed. */
function readLength(der: Uint8Array, at: number): [number, number] | undefined {
  const first = der[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return [first, at + 1];
  const count = first & 0x7f;
  if (count === 0 || count > 2) return undefined;
  let length = 0;
  for (let i = 1; i <= count; i++) {
    const byte = der[at + i];
    if (byte === undefined) return undefined;
    length = length * 256 + byte;
  }
  return [length, at + 1 + count];
}

/** An INTEGER at `at` as unsigned big-endian bytes: [bytes, next offset]. */
function readInteger(der: Uint8Array, at: number): [Uint8Array, number] | undefined {
  if (der[at] !== INTEGER) return undefined;
  const len = readLength(der, at + 1);
  if (len === undefined || len[0] === 0) return undefined;
  const [length, start] = len;
  const end = start + length;
  if (end > der.length) return undefined;
  if ((der[start]! & 0x80) !== 0) return undefined; // negative: not a valid r or s
  let from = start;
  while (from < end - 1 && der[from] === 0) from++;
  return [der.subarray(from, end), end];
}

/**
 * r||s of a DER ECDSA signature for a curve of `coordinateBytes`; undefined when the bytes
 * are not exactly one such SEQUENCE or r or s does not fit (such a signature is invalid).
 */
export function ecdsaDerToRaw(der: Uint8Array, coordinateBytes: number): Uint8Array | undefined {
  if (der[0] !== SEQUENCE) return undefined;
  const len = readLength(der, 1);
  if (len === undefined || len[1] + len[0] !== der.length) return undefined;
  const r = readInteger(der, len[1]);
  if (r === undefined) return undefined;
  const s = readInteger(der, r[1]);
  if (s === undefined || s[1] !== der.length) return undefined;
  if (r[0].length > coordinateBytes || s[0].length > coordinateBytes) return undefined;
  const raw = new Uint8Array(2 * coordinateBytes);
  raw.set(r[0], coordinateBytes - r[0].length);
  raw.set(s[0], 2 * coordinateBytes - s[0].length);
  return raw;
}
