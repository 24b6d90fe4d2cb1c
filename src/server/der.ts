// A minimal DER writer (ITU-T X.690, section 10: definite lengths, minimal encodings), just
// enough to build an X.509 certificate (RFC 5280) for the generated self-signed identity.

/** Universal tags (X.690 section 8 / X.680 section 8.4) and the context-specific classes. */
const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  objectIdentifier: 0x06,
  utf8String: 0x0c,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
  contextPrimitive: 0x80,
  contextConstructed: 0xa0,
} as const;

/** Lengths up to 127 take one byte; longer ones 0x80|n followed by n big-endian bytes. */
const SHORT_LENGTH_MAX = 0x7f;
const LONG_LENGTH_FLAG = 0x80;
/** OID arcs are base-128, high bit set on every byte but the last (X.690 section 8.19). */
const BASE128_MORE = 0x80;
const BASE128_MASK = 0x7f;
/** X.690 section 8.2.2: TRUE is encoded as all ones. */
const DER_TRUE = 0xff;
/** Bit 7 of the first content byte of a positive INTEGER must be 0 (two's complement). */
const SIGN_BIT = 0x80;

function encodeLength(n: number): Buffer {
  if (n <= SHORT_LENGTH_MAX) return Buffer.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([LONG_LENGTH_FLAG | bytes.length, ...bytes]);
}

/** One tag-length-value. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(tag), encodeLength(content.length), content]);
}

export function sequence(...items: Uint8Array[]): Buffer {
  return tlv(TAG.sequence, Buffer.concat(items));
}

export function set(...items: Uint8Array[]): Buffer {
  return tlv(TAG.set, Buffer.concat(items));
}

/** A non-negative INTEGER from its big-endian magnitude. */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = Buffer.from(magnitude.subarray(start));
  const needsPad = trimmed.length === 0 || (trimmed[0] ?? 0) & SIGN_BIT;
  return tlv(TAG.integer, needsPad ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed);
}

export function smallInteger(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return unsignedInteger(Buffer.from(bytes));
}

export function boolean(value: boolean): Buffer {
  return tlv(TAG.boolean, Buffer.of(value ? DER_TRUE : 0));
}

/** An OBJECT IDENTIFIER from dotted text ("1.2.840.10045.4.3.2"). */
export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk: number[] = [arc & BASE128_MASK];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      chunk.unshift((v & BASE128_MASK) | BASE128_MORE);
    }
    out.push(...chunk);
  }
  return tlv(TAG.objectIdentifier, Buffer.from(out));
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(TAG.octetString, bytes);
}

/** A BIT STRING of whole bytes, or with `unusedBits` low bits of the last byte unused. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(TAG.bitString, Buffer.concat([Buffer.of(unusedBits), bytes]));
}

export function utf8String(text: string): Buffer {
  return tlv(TAG.utf8String, Buffer.from(text, "utf8"));
}

export function ia5String(text: string): Buffer {
  return tlv(TAG.ia5String, Buffer.from(text, "ascii"));
}

/** RFC 5280 section 4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime after. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return date.getUTCFullYear() < 2050
    ? tlv(TAG.utcTime, Buffer.from(digits.slice(2), "ascii"))
    : tlv(TAG.generalizedTime, Buffer.from(digits, "ascii"));
}

/** `[n] EXPLICIT`: a constructed context-specific tag around a complete encoding. */
export function explicit(n: number, inner: Uint8Array): Buffer {
  return tlv(TAG.contextConstructed | n, inner);
}

/** `[n] IMPLICIT` for a primitive type: the context tag replaces the type's own tag. */
export function implicitPrimitive(n: number, content: Uint8Array): Buffer {
  return tlv(TAG.contextPrimitive | n, content);
}
