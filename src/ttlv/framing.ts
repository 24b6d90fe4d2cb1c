/**
 * Stream framing for TTLV over TCP/TLS: cuts a byte stream into whole messages, without
 * decoding them. A KMIP message is one top-level Structure (KMIP 1.4 section 9.1), so its size
 * is known from its 8-byte header: 8 + the big-endian length in bytes 4..7.
 *
 * The declared length is checked against the size limit as soon as the header is in, before
 * any of the body is buffered, so a peer cannot make the relay hold more than one header's
 * worth of bytes for a message it will refuse.
 */
import { TtlvError, type TtlvErrorCode } from "./errors.js";
import { DEFAULT_TTLV_LIMITS, TtlvType } from "./types.js";
import { TTLV_HEADER_BYTES } from "./wire.js";

/** Views `bytes` as a Buffer without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Whole size of the message whose header starts `header`: 8 + its length field.
 * @throws TtlvError `Truncated` when fewer than 8 bytes are given.
 */
export function declaredMessageLength(header: Uint8Array): number {
  if (header.length < TTLV_HEADER_BYTES) {
    throw new TtlvError("Truncated", `header needs 8 bytes, got ${header.length}`, 0, []);
  }
  return TTLV_HEADER_BYTES + asBuffer(header).readUInt32BE(4);
}

/** Options of {@link TtlvFramer}. */
export interface TtlvFramerOptions {
  /** Largest message accepted, header included (default `DEFAULT_TTLV_LIMITS.maxMessageBytes`). */
  readonly maxMessageBytes?: number;
}

/**
 * Incremental framer: feed it chunks as they arrive, get back complete messages.
 *
 * Returned messages may be views of the pushed chunks (no copy when a message lies within
 * one chunk): do not modify a chunk after pushing it. After an error the framer is unusable
 * and every later `push` throws the same error.
 */
export class TtlvFramer {
  readonly #maxMessageBytes: number;
  /** Pieces of the incomplete message, in order. */
  #pending: Buffer[] = [];
  #buffered = 0;
  /** Whole size of the incomplete message once its header is in, else -1. */
  #expected = -1;
  /** Stream offset of the incomplete message's first byte (for error offsets). */
  #messageStart = 0;
  #error: TtlvError | undefined;

  constructor(opts?: TtlvFramerOptions) {
    this.#maxMessageBytes = opts?.maxMessageBytes ?? DEFAULT_TTLV_LIMITS.maxMessageBytes;
  }

  /** Bytes held for a message not yet complete. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Adds bytes from the stream; returns the messages they complete (possibly none).
   * @throws TtlvError `BadType` if a message is not a Structure, `BadLength` if its length
   *   is not a multiple of 8, `TooLarge` if it declares more than `maxMessageBytes`.
   */
  push(chunk: Uint8Array): Buffer[] {
    if (this.#error !== undefined) throw this.#error;
    const data = asBuffer(chunk);
    const messages: Buffer[] = [];
    let pos = 0;
    try {
      while (pos < data.length) {
        pos =
          this.#buffered === 0
            ? this.#fromChunk(data, pos, messages)
            : this.#fill(data, pos, messages);
      }
    } catch (error) {
      if (error instanceof TtlvError) this.#error = error;
      this.#pending = [];
      this.#buffered = 0;
      throw error;
    }
    return messages;
  }

  /** Nothing buffered: take whole messages straight from `data` as views. */
  #fromChunk(data: Buffer, pos: number, messages: Buffer[]): number {
    const available = data.length - pos;
    if (available >= TTLV_HEADER_BYTES) {
      const size = this.#checkHeader(data, pos);
      if (available >= size) {
        messages.push(data.subarray(pos, pos + size));
        this.#messageStart += size;
        return pos + size;
      }
      this.#expected = size;
    }
    this.#pending.push(data.subarray(pos));
    this.#buffered = available;
    return data.length;
  }

  /** Part of a message buffered: complete its header, then its body. */
  #fill(data: Buffer, pos: number, messages: Buffer[]): number {
    let next = pos;
    if (this.#expected < 0) {
      next = this.#append(data, next, TTLV_HEADER_BYTES);
      if (this.#buffered < TTLV_HEADER_BYTES) return next;
      const header = Buffer.concat(this.#pending, this.#buffered);
      this.#pending = [header];
      this.#expected = this.#checkHeader(header, 0);
    }
    next = this.#append(data, next, this.#expected);
    if (this.#buffered === this.#expected) {
      messages.push(Buffer.concat(this.#pending, this.#buffered));
      this.#messageStart += this.#buffered;
      this.#pending = [];
      this.#buffered = 0;
      this.#expected = -1;
    }
    return next;
  }

  /** Buffers bytes of `data` from `pos` until `target` bytes are held; returns the new pos. */
  #append(data: Buffer, pos: number, target: number): number {
    const take = Math.min(target - this.#buffered, data.length - pos);
    this.#pending.push(data.subarray(pos, pos + take));
    this.#buffered += take;
    return pos + take;
  }

  /** Validates a message header at `pos` and returns the whole message size. */
  #checkHeader(buf: Buffer, pos: number): number {
    const tag = (buf.readUInt16BE(pos) << 8) | buf.readUInt8(pos + 2);
    const type = buf.readUInt8(pos + 3);
    const length = buf.readUInt32BE(pos + 4);
    if (type !== TtlvType.Structure) {
      this.#fail("BadType", `message type 0x${type.toString(16)} is not a Structure`, tag);
    }
    const size = TTLV_HEADER_BYTES + length;
    if (size > this.#maxMessageBytes) {
      this.#fail("TooLarge", `message of ${size} bytes over ${this.#maxMessageBytes}`, tag);
    }
    if ((length & 7) !== 0) this.#fail("BadLength", `structure length ${length}`, tag);
    return size;
  }

  #fail(code: TtlvErrorCode, what: string, tag: number): never {
    const offset = this.#messageStart;
    throw new TtlvError(code, `${what} at stream offset ${offset}`, offset, [tag]);
  }
}
