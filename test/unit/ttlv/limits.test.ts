/**
 * Decoder limits (TtlvLimits): nesting depth, items per structure, items per message, each
 * refused with TooDeep / TooManyItems at the exact item that crosses the limit.
 */
import { describe, expect, it } from "vitest";
import {
  decodeTtlv,
  encodeTtlv,
  hexToBytes,
  TtlvError,
  type TtlvLimits,
} from "../../../src/ttlv/index.js";
import { EXTRA_VECTORS, T } from "./vectors.js";

/** Decodes and returns the TtlvError thrown (fails the test if none or another error). */
function decodeError(bytes: Uint8Array, limits?: Partial<TtlvLimits>): TtlvError {
  try {
    decodeTtlv(bytes, limits);
  } catch (error) {
    if (error instanceof TtlvError) return error;
    throw error;
  }
  throw new Error("decoded without error");
}

/** `depth` nested empty-bodied structures, innermost empty; tags 0x540000 + level. */
function nestedStructures(depth: number): Uint8Array {
  const bytes = Buffer.alloc(depth * 8);
  for (let level = 0; level < depth; level++) {
    bytes.writeUIntBE(T.Extension - 1 + level, level * 8, 3);
    bytes[level * 8 + 3] = 0x01; // Structure
    bytes.writeUInt32BE((depth - level - 1) * 8, level * 8 + 4);
  }
  return bytes;
}

describe("decoder limits", () => {
  it("accepts 32 nested structures and rejects 33 with the default maxDepth", () => {
    expect(() => decodeTtlv(nestedStructures(32))).not.toThrow();
    const error = decodeError(nestedStructures(33));
    const path = Array.from({ length: 33 }, (_, level) => T.Extension - 1 + level);
    expect([error.code, error.offset, error.tagPath]).toEqual(["TooDeep", 32 * 8, path]);
  });

  it("applies a custom maxDepth", () => {
    const error = decodeError(nestedStructures(4), { maxDepth: 3 });
    expect([error.code, error.offset, error.tagPath.length]).toEqual(["TooDeep", 24, 4]);
  });

  it("rejects item 4097 of one structure with the default maxItemsPerStructure", () => {
    const integer = encodeTtlv({ tag: T.BatchCount, type: "Integer", value: 1 });
    const build = (count: number): Buffer =>
      encodeTtlv({
        tag: T.RequestMessage,
        type: "Structure",
        value: Array.from({ length: count }, () => ({
          tag: T.BatchCount,
          type: "Integer" as const,
          value: 1,
        })),
      });
    expect(() => decodeTtlv(build(4096))).not.toThrow();
    const error = decodeError(build(4097));
    const offset = 8 + 4096 * integer.length;
    expect([error.code, error.offset, error.tagPath]).toEqual([
      "TooManyItems",
      offset,
      [T.RequestMessage, T.BatchCount],
    ]);
  });

  it("rejects item 65537 of a message with the default maxTotalItems", () => {
    // 16 structures of 4096 empty Text Strings (8 bytes each) in one root: 65553 items.
    const emptyText = { tag: T.Extension, type: "TextString" as const, value: "" };
    const group = {
      tag: T.RequestHeader,
      type: "Structure" as const,
      value: Array(4096).fill(emptyText),
    };
    const bytes = encodeTtlv({
      tag: T.RequestMessage,
      type: "Structure",
      value: Array(16).fill(group),
    });
    // Pre-order numbering: root is item 1, group j is item 2 + 4097j, its child i is 3 + 4097j + i.
    // Item 65537 is child i = 4079 of group j = 15.
    const groupBytes = 8 + 4096 * 8;
    const offset = 8 + 15 * groupBytes + 8 + 4079 * 8;
    const error = decodeError(bytes);
    expect([error.code, error.offset, error.tagPath]).toEqual([
      "TooManyItems",
      offset,
      [T.RequestMessage, T.RequestHeader, T.Extension],
    ]);
    expect(() => decodeTtlv(bytes, { maxTotalItems: 65_553 })).not.toThrow();
  });

  it("counts every item, structures included, against a custom maxTotalItems", () => {
    const bytes = hexToBytes(EXTRA_VECTORS.find((v) => v.name.startsWith("nested"))?.hex ?? "");
    expect(() => decodeTtlv(bytes, { maxTotalItems: 6 })).not.toThrow(); // 3 structures + 3 integers
    const error = decodeError(bytes, { maxTotalItems: 5 });
    expect([error.code, error.offset, error.tagPath]).toEqual([
      "TooManyItems",
      56,
      [T.RequestMessage, T.RequestHeader, T.BatchCount],
    ]);
  });
});
