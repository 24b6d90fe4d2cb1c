/**
 * The little DER (ITU-T X.690) the operations need: the OCTET STRING around CKA_EC_POINT,
 * and the ECDSA signature SEQUENCE{r, s} (RFC 5480 section 2.2 / RFC 3279 Ecdsa-Sig-Value)
 * built from the r||s that PKCS#11 returns (PKCS#11 v2.40 section 2.3.1).
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

function tlv(tag: number, content: Uint8Array): Uint8Array {
  return new Uint8Array([tag, ...lengthOctets(content.length), ...content]);
}

/** A non-negative INTEGER from unsigned big-endian bytes: minimal, 0x00-prefixed if needed. */
function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const needsZero = trimmed.length === 0 || (trimmed[0]! & 0x80) !== 0;
  return tlv(INTEGER, needsZero ? new Uint8Array([0, ...trimmed]) : trimmed);
}

/** ECDSA r||s (two equal halves) as DER SEQUENCE{INTEGER r, INTEGER s}. */
export function ecdsaSignatureToDer(rs: Uint8Array): Uint8Array {
  if (rs.length === 0 || rs.length % 2 !== 0) {
    throw new Error(`ECDSA signature of odd length ${rs.length}`);
  }
  const half = rs.length / 2;
  const r = unsignedInteger(rs.subarray(0, half));
  const s = unsignedInteger(rs.subarray(half));
  return tlv(SEQUENCE, new Uint8Array([...r, ...s]));
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
