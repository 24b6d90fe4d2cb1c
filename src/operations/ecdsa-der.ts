/**
 * ECDSA signatures from DER back to PKCS#11's form: SEQUENCE{INTEGER r, INTEGER s} (RFC 3279
 * Ecdsa-Sig-Value, what Sign returns) -> r||s, each left-padded to the curve's coordinate size
 * (PKCS#11 v2.40 section 2.3.1), for C_Verify.
 */
const SEQUENCE = 0x30;
const INTEGER = 0x02;

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
