/**
 * TTLV decoder (KMIP 1.4 section 9.1; Date-Time Extended 0x0B from KMIP 2.1 section 10.1).
 *
 * Wire layout of every item: 3-byte tag | 1-byte type | 4-byte big-endian length | value,
 * the value zero-padded to a multiple of 8 bytes. The decoder trusts nothing: every declared
 * length is checked against the bytes that remain before anything is read, nothing is ever
 * allocated from a declared length, padding must be zero, and nesting depth and item counts
 * are bounded by {@link TtlvLimits}.
 *
 * Error locations: `offset` is the start of the item's header, except `BadPadding` (the first
 * non-zero padding byte), `BadBoolean` and `BadUtf8` (the value's first byte), `TrailingBytes`
 * (the first byte after the item) and `TooLarge` (`maxMessageBytes`). `tagPath` ends with the
 * item's own tag once its header has been read.
 *
 * Overruns: an item running past the end of the buffer at the top level is `Truncated`; an item
 * running past the end of its enclosing structure is `BadLength` (the lengths disagree).
 */
import { formatTagPath, TtlvError, type TtlvErrorCode } from "./errors.js";
import { DEFAULT_TTLV_LIMITS, type TtlvItem, type TtlvLimits, TtlvType } from "./types.js";
import { paddedLength, TTLV_HARD_MAX_DEPTH, TTLV_HEADER_BYTES } from "./wire.js";

const HEADER_BYTES = TTLV_HEADER_BYTES;

/** Fatal decoder: invalid UTF-8 throws instead of becoming U+FFFD. */
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Decoding state for one buffer; one instance per {@link decodeTtlv} call. */
class TtlvDecoder {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly maxDepth: number;
  readonly maxItemsPerStructure: number;
  readonly maxTotalItems: number;
  /** Tags of the structures enclosing the item being decoded. */
  readonly path: number[] = [];
  totalItems = 0;
  /** Offset just after the item most recently returned by {@link item}. */
  next = 0;

  constructor(bytes: Uint8Array, limits: TtlvLimits) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.maxDepth = Math.min(limits.maxDepth, TTLV_HARD_MAX_DEPTH);
    this.maxItemsPerStructure = limits.maxItemsPerStructure;
    this.maxTotalItems = limits.maxTotalItems;
  }

  /** Throws a located error; `tag` is the current item's tag when its header was read. */
  fail(code: TtlvErrorCode, what: string, offset: number, tag: number | undefined): never {
    const tagPath = tag === undefined ? this.path.slice() : [...this.path, tag];
    const where = tagPath.length > 0 ? ` (tag path ${formatTagPath(tagPath)})` : "";
    throw new TtlvError(code, `${what} at offset ${offset}${where}`, offset, tagPath);
  }

  /** An item does not fit in `end`: the buffer is short (top level) or lengths disagree. */
  overrun(what: string, start: number, depth: number, tag: number | undefined): never {
    if (depth === 1) this.fail("Truncated", `message ends inside ${what}`, start, tag);
    this.fail("BadLength", `${what} overruns its enclosing structure`, start, tag);
  }

  /** Requires bytes [from, to) to be zero (the padding after a value). */
  checkPadding(from: number, to: number, tag: number): void {
    const bytes = this.bytes;
    for (let i = from; i < to; i++) {
      if (bytes[i] !== 0) this.fail("BadPadding", "non-zero padding byte", i, tag);
    }
  }

  /**
   * Checks a 4-byte type (Integer, Enumeration, Interval): length 4, 8 bytes present, the
   * 4 padding bytes zero. Sets {@link next}.
   */
  fixed4(start: number, end: number, depth: number, tag: number, length: number): void {
    if (length !== 4) this.fail("BadLength", `length ${length}, expected 4`, start, tag);
    if (end - start < HEADER_BYTES + 8) this.overrun("value", start, depth, tag);
    if (this.view.getUint32(start + 12) !== 0) this.checkPadding(start + 12, start + 16, tag);
    this.next = start + 16;
  }

  /** Checks an 8-byte type (Long Integer, Boolean, Date-Time(s)). Sets {@link next}. */
  fixed8(start: number, end: number, depth: number, tag: number, length: number): void {
    if (length !== 8) this.fail("BadLength", `length ${length}, expected 8`, start, tag);
    if (end - start < HEADER_BYTES + 8) this.overrun("value", start, depth, tag);
    this.next = start + 16;
  }

  /** Checks a variable-length value fits and its padding is zero. Sets {@link next}. */
  variable(start: number, end: number, depth: number, tag: number, length: number): void {
    const padded = paddedLength(length);
    if (end - start - HEADER_BYTES < padded) this.overrun("value", start, depth, tag);
    const valueEnd = start + HEADER_BYTES + length;
    this.next = start + HEADER_BYTES + padded;
    if (valueEnd !== this.next) this.checkPadding(valueEnd, this.next, tag);
  }

  /**
   * Decodes the item whose header starts at `start`; it must end by `end`. `depth` is the
   * nesting depth it would have as a structure (the top-level item is 1); `index` is its
   * position in the enclosing structure.
   */
  item(start: number, end: number, depth: number, index: number): TtlvItem {
    if (end - start < HEADER_BYTES) this.overrun("item header", start, depth, undefined);
    const view = this.view;
    const tag = (view.getUint16(start) << 8) | view.getUint8(start + 2);
    const typeCode = view.getUint8(start + 3);
    const length = view.getUint32(start + 4);
    if (index >= this.maxItemsPerStructure) {
      this.fail(
        "TooManyItems",
        `over ${this.maxItemsPerStructure} items in a structure`,
        start,
        tag,
      );
    }
    if (++this.totalItems > this.maxTotalItems) {
      this.fail("TooManyItems", `over ${this.maxTotalItems} items in the message`, start, tag);
    }
    const v = start + HEADER_BYTES;
    switch (typeCode) {
      case TtlvType.Structure:
        return this.structure(start, end, depth, tag, length);
      case TtlvType.Integer:
        this.fixed4(start, end, depth, tag, length);
        return { tag, type: "Integer", value: view.getInt32(v) };
      case TtlvType.LongInteger:
        this.fixed8(start, end, depth, tag, length);
        return { tag, type: "LongInteger", value: view.getBigInt64(v) };
      case TtlvType.BigInteger:
        return this.bigInteger(start, end, depth, tag, length);
      case TtlvType.Enumeration:
        this.fixed4(start, end, depth, tag, length);
        return { tag, type: "Enumeration", value: view.getUint32(v) };
      case TtlvType.Boolean:
        return this.boolean(start, end, depth, tag, length);
      case TtlvType.TextString:
        this.variable(start, end, depth, tag, length);
        return { tag, type: "TextString", value: this.text(v, length, tag) };
      case TtlvType.ByteString:
        this.variable(start, end, depth, tag, length);
        return { tag, type: "ByteString", value: this.bytes.subarray(v, v + length) };
      case TtlvType.DateTime:
        this.fixed8(start, end, depth, tag, length);
        return { tag, type: "DateTime", value: view.getBigInt64(v) };
      case TtlvType.Interval:
        this.fixed4(start, end, depth, tag, length);
        return { tag, type: "Interval", value: view.getUint32(v) };
      case TtlvType.DateTimeExtended:
        this.fixed8(start, end, depth, tag, length);
        return { tag, type: "DateTimeExtended", value: view.getBigInt64(v) };
      default:
        return this.fail("BadType", `unknown item type 0x${typeCode.toString(16)}`, start, tag);
    }
  }

  /** Structure: the value is the concatenated, each already padded, child items. */
  structure(start: number, end: number, depth: number, tag: number, length: number): TtlvItem {
    if ((length & 7) !== 0) this.fail("BadLength", `structure length ${length}`, start, tag);
    if (end - start - HEADER_BYTES < length) this.overrun("structure", start, depth, tag);
    if (depth > this.maxDepth) {
      this.fail("TooDeep", `structures nested over ${this.maxDepth} deep`, start, tag);
    }
    const childrenEnd = start + HEADER_BYTES + length;
    const children: TtlvItem[] = [];
    this.path.push(tag);
    let offset = start + HEADER_BYTES;
    while (offset < childrenEnd) {
      children.push(this.item(offset, childrenEnd, depth + 1, children.length));
      offset = this.next;
    }
    this.path.pop();
    this.next = childrenEnd;
    return { tag, type: "Structure", value: children };
  }

  /** Boolean: 8 bytes holding exactly 0 or 1 (KMIP 1.4 section 9.1.1.4). */
  boolean(start: number, end: number, depth: number, tag: number, length: number): TtlvItem {
    this.fixed8(start, end, depth, tag, length);
    const high = this.view.getUint32(start + 8);
    const low = this.view.getUint32(start + 12);
    if (high !== 0 || low > 1) this.fail("BadBoolean", "boolean not 0 or 1", start + 8, tag);
    return { tag, type: "Boolean", value: low === 1 };
  }

  /** Big Integer: two's complement big-endian, length a non-zero multiple of 8. */
  bigInteger(start: number, end: number, depth: number, tag: number, length: number): TtlvItem {
    if (length === 0 || (length & 7) !== 0) {
      this.fail("BadLength", `big integer length ${length}`, start, tag);
    }
    this.variable(start, end, depth, tag, length);
    const view = this.view;
    const v = start + HEADER_BYTES;
    let value = view.getBigInt64(v);
    for (let word = v + 8; word < v + length; word += 8) {
      value = (value << 64n) | view.getBigUint64(word);
    }
    return { tag, type: "BigInteger", value };
  }

  /** Text String: strict UTF-8 (KMIP 1.4 section 9.1.1.4). */
  text(valueStart: number, length: number, tag: number): string {
    try {
      return utf8Decoder.decode(this.bytes.subarray(valueStart, valueStart + length));
    } catch {
      return this.fail("BadUtf8", "text string is not valid UTF-8", valueStart, tag);
    }
  }
}

/**
 * Decodes exactly one TTLV item that spans the whole buffer.
 *
 * Byte String values are views into `bytes` (no copy), of the same class (a Buffer when
 * `bytes` is a Buffer): copy them to keep them beyond the buffer's life.
 * @throws TtlvError only (see the module comment for codes and locations).
 */
export function decodeTtlv(bytes: Uint8Array, limits?: Partial<TtlvLimits>): TtlvItem {
  const effective =
    limits === undefined ? DEFAULT_TTLV_LIMITS : { ...DEFAULT_TTLV_LIMITS, ...limits };
  if (bytes.length > effective.maxMessageBytes) {
    const max = effective.maxMessageBytes;
    throw new TtlvError("TooLarge", `message of ${bytes.length} bytes over ${max}`, max, []);
  }
  const decoder = new TtlvDecoder(bytes, effective);
  const item = decoder.item(0, bytes.length, 1, 0);
  if (decoder.next !== bytes.length) {
    throw new TtlvError(
      "TrailingBytes",
      `bytes after the item at offset ${decoder.next}`,
      decoder.next,
      [],
    );
  }
  return item;
}
