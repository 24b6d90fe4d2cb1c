/**
 * Stream framing: messages split anywhere, batched in one chunk, and hostile headers
 * refused as soon as the 8 header bytes are in.
 */
import { describe, expect, it } from "vitest";
import {
  bytesToHex,
  declaredMessageLength,
  decodeTtlv,
  encodeTtlv,
  hexToBytes,
  TtlvError,
  TtlvFramer,
} from "../../../src/ttlv/index.js";
import { EXTRA_VECTORS, hex, SPEC_EXAMPLES, T } from "./vectors.js";

function vectorBytes(prefix: string, list = EXTRA_VECTORS): Buffer {
  const vector = list.find((v) => v.name.startsWith(prefix));
  if (vector === undefined) throw new Error(`no vector ${prefix}`);
  return Buffer.from(hexToBytes(vector.hex));
}

/** Two different Structure messages: the nested request (72 bytes) and the spec structure (40). */
const FIRST = vectorBytes("nested");
const SECOND = vectorBytes("spec 9.1.2: Structure", SPEC_EXAMPLES);
const STREAM = Buffer.concat([FIRST, SECOND]);

function pushError(framer: TtlvFramer, chunk: Uint8Array): TtlvError {
  try {
    framer.push(chunk);
  } catch (error) {
    if (error instanceof TtlvError) return error;
    throw error;
  }
  throw new Error("pushed without error");
}

describe("declaredMessageLength", () => {
  it("is 8 + the length field", () => {
    expect(declaredMessageLength(FIRST.subarray(0, 8))).toBe(FIRST.length);
    expect(declaredMessageLength(hexToBytes("420078 01 FFFFFFF8"))).toBe(0xffff_fff8 + 8);
  });

  it("needs 8 bytes", () => {
    expect(() => declaredMessageLength(FIRST.subarray(0, 7))).toThrow(TtlvError);
  });
});

describe("TtlvFramer", () => {
  it("reassembles two messages split at every byte position", () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const framer = new TtlvFramer();
      const messages = [
        ...framer.push(STREAM.subarray(0, cut)),
        ...framer.push(STREAM.subarray(cut)),
      ];
      expect(messages.map(bytesToHex), `cut at ${cut}`).toEqual([
        bytesToHex(FIRST),
        bytesToHex(SECOND),
      ]);
      expect(framer.bufferedBytes).toBe(0);
    }
  });

  it("delivers each message on its last byte when fed one byte at a time", () => {
    const framer = new TtlvFramer();
    const completedAt: number[] = [];
    for (let i = 0; i < STREAM.length; i++) {
      const messages = framer.push(STREAM.subarray(i, i + 1));
      if (messages.length > 0) completedAt.push(i);
      expect(framer.bufferedBytes).toBe(
        messages.length > 0 ? 0 : i + 1 - (i >= FIRST.length ? FIRST.length : 0),
      );
    }
    expect(completedAt).toEqual([FIRST.length - 1, STREAM.length - 1]);
  });

  it("returns several messages from one chunk, as views decoding to their items", () => {
    const framer = new TtlvFramer();
    const chunk = Buffer.concat([SECOND, FIRST, SECOND, FIRST.subarray(0, 10)]);
    const messages = framer.push(chunk);
    expect(messages.map((m) => m.length)).toEqual([SECOND.length, FIRST.length, SECOND.length]);
    expect(messages[1]?.buffer).toBe(chunk.buffer); // no copy
    expect(decodeTtlv(messages[1] ?? Buffer.alloc(0))).toEqual(decodeTtlv(FIRST));
    expect(framer.bufferedBytes).toBe(10);
    expect(framer.push(FIRST.subarray(10)).map(bytesToHex)).toEqual([bytesToHex(FIRST)]);
  });

  it("accepts plain Uint8Array chunks", () => {
    const framer = new TtlvFramer();
    expect(framer.push(new Uint8Array(FIRST)).map(bytesToHex)).toEqual([bytesToHex(FIRST)]);
  });

  it("refuses an oversized declared length with only the 8-byte header pushed", () => {
    const framer = new TtlvFramer({ maxMessageBytes: 1024 });
    // RequestMessage | Structure | length 0x00FFFFF8: about 16 MiB declared, nothing sent
    const header = hexToBytes(hex(["420078", "01", "00FFFFF8"]));
    const error = pushError(framer, header);
    expect([error.code, error.offset, error.tagPath]).toEqual(["TooLarge", 0, [T.RequestMessage]]);
    expect(framer.bufferedBytes).toBeLessThanOrEqual(8);
    // Unusable afterwards: the same error again, even for valid bytes.
    expect(pushError(framer, FIRST)).toBe(error);
  });

  it("refuses an oversized header that arrives in two pieces, at the header's completion", () => {
    const framer = new TtlvFramer({ maxMessageBytes: 1024 });
    const header = hexToBytes(hex(["420078", "01", "00000400"])); // 8 + 1024 > 1024
    expect(framer.push(header.subarray(0, 5))).toEqual([]);
    expect(pushError(framer, header.subarray(5)).code).toBe("TooLarge");
  });

  it("accepts a message of exactly maxMessageBytes", () => {
    const framer = new TtlvFramer({ maxMessageBytes: FIRST.length });
    expect(framer.push(FIRST)).toHaveLength(1);
  });

  it("refuses a first item that is not a Structure, at its stream offset", () => {
    const framer = new TtlvFramer();
    const integer = encodeTtlv({ tag: T.BatchCount, type: "Integer", value: 1 });
    const error = pushError(framer, Buffer.concat([FIRST, integer]));
    expect([error.code, error.offset, error.tagPath]).toEqual([
      "BadType",
      FIRST.length,
      [T.BatchCount],
    ]);
  });

  it("refuses a Structure length that is not a multiple of 8", () => {
    const error = pushError(new TtlvFramer(), hexToBytes(hex(["420078", "01", "0000000C"])));
    expect([error.code, error.offset]).toEqual(["BadLength", 0]);
  });
});
