/**
 * TTLV encoder (KMIP 1.4 section 9.1; Date-Time Extended 0x0B from KMIP 2.1 section 10.1).
 *
 * Two passes: {@link encodedLength} validates every value and computes the exact size, then
 * {@link encodeTtlv} writes into one preallocated Buffer. Every value is padded with zero bytes
 * to a multiple of 8; Integer, Enumeration and Interval carry 4 value bytes + 4 padding bytes.
 *
 * Errors carry as `offset` the position the offending item would have had in the output, and
 * as `tagPath` the tags from the outermost item down to it.
 */

import { formatTagPath, TtlvError, type TtlvErrorCode } from "./errors.js";
import { type TtlvItem, TtlvType } from "./types.js";
import { paddedLength, TTLV_HARD_MAX_DEPTH, TTLV_HEADER_BYTES } from "./wire.js";

const HEADER_BYTES = TTLV_HEADER_BYTES;
const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const UINT32_MAX = 0xffff_ffff;
const TAG_MAX = 0xff_ffff;

/** `String.prototype.isWellFormed` (Node 20+; not in the ES2022 lib typings). */
const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean })
  .isWellFormed;

function fail(code: TtlvErrorCode, what: string, offset: number, tagPath: number[]): never {
  const path = formatTagPath(tagPath);
  throw new TtlvError(code, `cannot encode ${path}: ${what}`, offset, tagPath.slice());
}

/**
 * Bytes of a Big Integer value: minimal two's complement, sign-extended to a multiple of 8
 * (KMIP 1.4 section 9.1.1.4), at least 8.
 */
function bigIntegerLength(value: bigint): number {
  const magnitude = value < 0n ? ~value : value; // same bit count as the value, sign bit apart
  let bits = 0;
  if (magnitude !== 0n) {
    const hex = magnitude.toString(16);
    bits = (hex.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(hex.charAt(0), 16)));
  }
  return Math.ceil((bits + 1) / 64) * 8; // +1: the sign bit
}

function isInt64(value: unknown): value is bigint {
  return typeof value === "bigint" && BigInt.asIntN(64, value) === value;
}

/** Validates one non-structure item and returns its value length (before padding). */
function leafValueLength(item: TtlvItem, offset: number, path: number[]): number {
  const value: unknown = item.value;
  switch (item.type) {
    case "Integer":
      if (
        Number.isInteger(value) &&
        (value as number) >= INT32_MIN &&
        (value as number) <= INT32_MAX
      )
        return 4;
      return fail("BadValue", "Integer is not a signed 32-bit integer", offset, path);
    case "Enumeration":
    case "Interval":
      if (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= UINT32_MAX)
        return 4;
      return fail("BadValue", `${item.type} is not an unsigned 32-bit integer`, offset, path);
    case "LongInteger":
    case "DateTime":
    case "DateTimeExtended":
      if (isInt64(value)) return 8;
      return fail("BadValue", `${item.type} is not a signed 64-bit bigint`, offset, path);
    case "Boolean":
      if (typeof value === "boolean") return 8;
      return fail("BadValue", "Boolean is not a boolean", offset, path);
    case "BigInteger":
      if (typeof value === "bigint") return bigIntegerLength(value);
      return fail("BadValue", "BigInteger is not a bigint", offset, path);
    case "TextString":
      if (typeof value === "string" && isWellFormed.call(value))
        return Buffer.byteLength(value, "utf8");
      return fail("BadValue", "TextString is not a well-formed string", offset, path);
    case "ByteString":
      if (value instanceof Uint8Array) return value.length;
      return fail("BadValue", "ByteString is not a Uint8Array", offset, path);
    default:
      return fail("BadType", `unknown item type ${String(item.type)}`, offset, path);
  }
}

/** Validates `item` (placed at `offset`) and returns its encoded size; `path` ends with its tag. */
function measure(item: TtlvItem, offset: number, depth: number, path: number[]): number {
  const tag = item.tag;
  path.push(tag);
  if (!Number.isInteger(tag) || tag < 0 || tag > TAG_MAX) {
    fail("BadValue", "tag is not a 3-byte unsigned integer", offset, path);
  }
  let size: number;
  if (item.type === "Structure") {
    if (depth > TTLV_HARD_MAX_DEPTH) fail("TooDeep", "structures nested too deep", offset, path);
    if (!Array.isArray(item.value))
      fail("BadValue", "Structure value is not an array", offset, path);
    size = HEADER_BYTES;
    for (const child of item.value) size += measure(child, offset + size, depth + 1, path);
  } else {
    size = HEADER_BYTES + paddedLength(leafValueLength(item, offset, path));
  }
  path.pop();
  return size;
}

/**
 * Size in bytes of the TTLV encoding of `item`, header and padding included.
 * @throws TtlvError `BadValue` / `BadType` / `TooDeep` when the item cannot be encoded.
 */
export function encodedLength(item: TtlvItem): number {
  return measure(item, 0, 1, []);
}

/** Writes the 8-byte header: 3-byte tag, type byte, 4-byte big-endian length. */
function writeHeader(buf: Buffer, offset: number, tag: number, type: number, length: number): void {
  buf[offset] = tag >>> 16;
  buf[offset + 1] = (tag >>> 8) & 0xff;
  buf[offset + 2] = tag & 0xff;
  buf[offset + 3] = type;
  buf.writeUInt32BE(length, offset + 4);
}

/** Zero bytes [from, to): Buffer.allocUnsafe memory is not cleared. */
function zero(buf: Buffer, from: number, to: number): void {
  for (let i = from; i < to; i++) buf[i] = 0;
}

/** Big Integer value: 64-bit words from the least significant, arithmetic shifts keep the sign. */
function writeBigInteger(buf: Buffer, valueStart: number, length: number, value: bigint): void {
  let rest = value;
  for (let word = valueStart + length - 8; word >= valueStart; word -= 8) {
    buf.writeBigUInt64BE(BigInt.asUintN(64, rest), word);
    rest >>= 64n;
  }
}

/** Writes an already validated item at `offset`; returns the offset after it. */
function write(buf: Buffer, offset: number, item: TtlvItem): number {
  const v = offset + HEADER_BYTES;
  switch (item.type) {
    case "Structure": {
      let end = v;
      for (const child of item.value) end = write(buf, end, child);
      writeHeader(buf, offset, item.tag, TtlvType.Structure, end - v);
      return end;
    }
    case "Integer":
      writeHeader(buf, offset, item.tag, TtlvType.Integer, 4);
      buf.writeInt32BE(item.value, v);
      buf.writeUInt32BE(0, v + 4);
      return v + 8;
    case "Enumeration":
    case "Interval":
      writeHeader(buf, offset, item.tag, TtlvType[item.type], 4);
      buf.writeUInt32BE(item.value, v);
      buf.writeUInt32BE(0, v + 4);
      return v + 8;
    case "LongInteger":
    case "DateTime":
    case "DateTimeExtended":
      writeHeader(buf, offset, item.tag, TtlvType[item.type], 8);
      buf.writeBigInt64BE(item.value, v);
      return v + 8;
    case "Boolean":
      writeHeader(buf, offset, item.tag, TtlvType.Boolean, 8);
      buf.writeUInt32BE(0, v);
      buf.writeUInt32BE(item.value ? 1 : 0, v + 4);
      return v + 8;
    case "BigInteger": {
      const length = bigIntegerLength(item.value);
      writeHeader(buf, offset, item.tag, TtlvType.BigInteger, length);
      writeBigInteger(buf, v, length, item.value);
      return v + length;
    }
    case "TextString": {
      const length = buf.write(item.value, v, "utf8");
      writeHeader(buf, offset, item.tag, TtlvType.TextString, length);
      const end = v + paddedLength(length);
      zero(buf, v + length, end);
      return end;
    }
    case "ByteString": {
      const length = item.value.length;
      buf.set(item.value, v);
      writeHeader(buf, offset, item.tag, TtlvType.ByteString, length);
      const end = v + paddedLength(length);
      zero(buf, v + length, end);
      return end;
    }
  }
}

/**
 * Encodes one item (and its children) as TTLV into a new Buffer of exactly
 * {@link encodedLength} bytes.
 * @throws TtlvError `BadValue` for out-of-range values (e.g. an Integer outside int32), a tag
 *   over 3 bytes or a value of the wrong JavaScript type; `BadType` for an unknown type name.
 */
export function encodeTtlv(item: TtlvItem): Buffer {
  const size = encodedLength(item);
  const buf = Buffer.allocUnsafe(size);
  const end = write(buf, 0, item);
  if (end !== size) {
    throw new TtlvError("BadValue", `encoded ${end} bytes, expected ${size}`, end, [item.tag]);
  }
  return buf;
}
