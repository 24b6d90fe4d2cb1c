/**
 * Compact tagged binary encoding of the RPC's plain data (about 5x cheaper than the V8
 * serializer for a sign request). Each value is a 1-byte tag, then:
 *
 *   0x00 undefined | 0x01 null | 0x02 false | 0x03 true
 *   0x04 uint32 (4 bytes BE)   | 0x05 float64 (8 bytes BE)
 *   0x06 bigint  (u32 length, decimal ASCII, optional leading "-")
 *   0x07 string  (u32 length, UTF-8)
 *   0x08 bytes   (u32 length, raw; decoded as a fresh Uint8Array)
 *   0x09 array   (u32 count, values)
 *   0x0a object  (u32 count, then count x (string value without tag, value))
 *   0x0b Map     (u32 count, then count x (key value, value))
 *
 * Lengths and counts are u32 big-endian. Anything else (unknown tag, truncation, trailing
 * bytes, nesting deeper than MAX_DEPTH) is a FrameError.
 */
import { FrameError } from "./frames.js";

const T_UNDEFINED = 0x00;
const T_NULL = 0x01;
const T_FALSE = 0x02;
const T_TRUE = 0x03;
const T_UINT32 = 0x04;
const T_FLOAT64 = 0x05;
const T_BIGINT = 0x06;
const T_STRING = 0x07;
const T_BYTES = 0x08;
const T_ARRAY = 0x09;
const T_OBJECT = 0x0a;
const T_MAP = 0x0b;

/** Strings up to this length take the ASCII fast path. */
const SHORT_TEXT = 32;

/** Deepest nesting accepted when decoding. */
export const MAX_DEPTH = 32;

class Writer {
  buf = Buffer.allocUnsafe(256);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  tag(t: number): void {
    this.ensure(1);
    this.buf[this.pos++] = t;
  }

  u32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(n, this.pos);
    this.pos += 4;
  }

  text(s: string): void {
    if (s.length <= SHORT_TEXT && this.ascii(s)) return;
    const length = Buffer.byteLength(s, "utf8");
    this.u32(length);
    this.ensure(length);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** Writes a short ASCII string byte by byte (much cheaper than Buffer#write); false if not ASCII. */
  private ascii(s: string): boolean {
    const n = s.length;
    this.ensure(4 + n);
    const start = this.pos + 4;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return false;
      this.buf[start + i] = c;
    }
    this.buf.writeUInt32BE(n, this.pos);
    this.pos = start + n;
    return true;
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

function writeValue(w: Writer, value: unknown): void {
  if (value === undefined) {
    w.tag(T_UNDEFINED);
    return;
  }
  if (value === null) {
    w.tag(T_NULL);
    return;
  }
  switch (typeof value) {
    case "boolean":
      w.tag(value ? T_TRUE : T_FALSE);
      return;
    case "number":
      if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff && !Object.is(value, -0)) {
        w.tag(T_UINT32);
        w.u32(value);
        return;
      }
      w.tag(T_FLOAT64);
      w.ensure(8);
      w.buf.writeDoubleBE(value, w.pos);
      w.pos += 8;
      return;
    case "bigint":
      w.tag(T_BIGINT);
      w.text(value.toString());
      return;
    case "string":
      w.tag(T_STRING);
      w.text(value);
      return;
    default:
      writeComposite(w, value as object);
      return;
  }
}

function writeComposite(w: Writer, value: object): void {
  if (value instanceof Uint8Array) {
    w.tag(T_BYTES);
    w.bytes(value);
    return;
  }
  if (Array.isArray(value)) {
    w.tag(T_ARRAY);
    w.u32(value.length);
    for (const item of value) writeValue(w, item);
    return;
  }
  if (value instanceof Map) {
    w.tag(T_MAP);
    w.u32(value.size);
    for (const [k, v] of value) {
      writeValue(w, k);
      writeValue(w, v);
    }
    return;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
    throw new TypeError(`cannot encode ${value.constructor?.name ?? "object"} in an RPC message`);
  }
  // The count goes before the entries; it is filled in after them, so that no array of the
  // keys is made per object (a sign frame has four).
  w.tag(T_OBJECT);
  const countAt = w.pos;
  w.u32(0);
  let count = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    w.text(key);
    writeValue(w, (value as Record<string, unknown>)[key]);
    count++;
  }
  w.buf.writeUInt32BE(count, countAt);
}

/**
 * Encodes plain data (see the module comment for what is supported), after `reserve` bytes
 * left for the caller (e.g. a frame header, filled in without copying the payload).
 */
export function encodeValue(value: unknown, reserve = 0): Buffer {
  const w = new Writer();
  w.ensure(reserve);
  w.pos = reserve;
  writeValue(w, value);
  return w.buf.subarray(0, w.pos);
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw new FrameError(`message truncated at byte ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u32(): number {
    this.need(4);
    const n = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return n;
  }

  text(): string {
    const length = this.u32();
    this.need(length);
    const start = this.pos;
    this.pos += length;
    if (length <= SHORT_TEXT) {
      let s = "";
      for (let i = start; i < start + length; i++) {
        const c = this.buf[i] as number;
        if (c > 0x7f) return this.buf.toString("utf8", start, start + length);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.buf.toString("utf8", start, start + length);
  }
}

function readValue(r: Reader, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new FrameError(`message nested deeper than ${MAX_DEPTH}`);
  const tag = r.u8();
  switch (tag) {
    case T_UNDEFINED:
      return undefined;
    case T_NULL:
      return null;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_UINT32:
      return r.u32();
    case T_FLOAT64: {
      r.need(8);
      const n = r.buf.readDoubleBE(r.pos);
      r.pos += 8;
      return n;
    }
    case T_BIGINT:
      return readBigint(r.text());
    case T_STRING:
      return r.text();
    case T_BYTES: {
      const length = r.u32();
      r.need(length);
      const bytes = new Uint8Array(r.buf.buffer, r.buf.byteOffset + r.pos, length).slice();
      r.pos += length;
      return bytes;
    }
    case T_ARRAY:
    case T_OBJECT:
    case T_MAP:
      return readComposite(r, tag, depth);
    default:
      throw new FrameError(`unknown value tag 0x${tag.toString(16)} at byte ${r.pos - 1}`);
  }
}

function readBigint(text: string): bigint {
  if (!/^-?\d+$/u.test(text)) throw new FrameError("malformed bigint");
  return BigInt(text);
}

function readComposite(r: Reader, tag: number, depth: number): unknown {
  const count = r.u32();
  // Every entry takes at least one byte: a count beyond the bytes left is malformed.
  r.need(Math.min(count, r.buf.length));
  switch (tag) {
    case T_ARRAY: {
      const array: unknown[] = [];
      for (let i = 0; i < count; i++) array.push(readValue(r, depth + 1));
      return array;
    }
    case T_OBJECT: {
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const key = r.text();
        if (key === "__proto__") throw new FrameError("forbidden object key");
        obj[key] = readValue(r, depth + 1);
      }
      return obj;
    }
    default: {
      const map = new Map<unknown, unknown>();
      for (let i = 0; i < count; i++) map.set(readValue(r, depth + 1), readValue(r, depth + 1));
      return map;
    }
  }
}

/** Decodes one value filling `payload` exactly; throws FrameError when malformed. */
export function decodeValue(payload: Buffer): unknown {
  const r = new Reader(payload);
  const value = readValue(r, 0);
  if (r.pos !== payload.length)
    throw new FrameError(`${payload.length - r.pos} trailing bytes in message`);
  return value;
}
