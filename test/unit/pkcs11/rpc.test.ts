import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeValue, encodeValue, MAX_DEPTH } from "../../../src/pkcs11/rpc/codec.js";
import {
  encodeFrame,
  FrameDecoder,
  FrameError,
  MAX_FRAME_BYTES,
} from "../../../src/pkcs11/rpc/frames.js";
import { decodeRequest, decodeResponse, encodeMessage } from "../../../src/pkcs11/rpc/protocol.js";

const serialize = (value: unknown): Buffer => encodeValue(value);

describe("frames", () => {
  it("reassembles any sequence of payloads from any chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 10 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
          const decoder = new FrameDecoder();
          const out: Buffer[] = [];
          let offset = 0;
          for (let i = 0; offset < stream.length; i++) {
            const size = cuts[i % cuts.length] ?? 1;
            out.push(...decoder.push(stream.subarray(offset, offset + size)));
            offset += size;
          }
          expect(out.map((b) => Buffer.from(b).toString("hex"))).toEqual(
            payloads.map((p) => Buffer.from(p).toString("hex")),
          );
          expect(decoder.buffered).toBe(0);
        },
      ),
    );
  });

  it("prefixes the payload with its 4-byte big-endian length", () => {
    expect(encodeFrame(Uint8Array.of(0xaa, 0xbb)).toString("hex")).toBe("00000002aabb");
  });

  it("rejects a frame announcing more than the maximum", () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    expect(() => new FrameDecoder().push(header)).toThrow(FrameError);
  });
});

describe("messages", () => {
  it("round-trips requests and responses with bytes, maps and bigints", () => {
    const request = {
      id: 7,
      method: "sign" as const,
      gen: 3,
      params: {
        token: "t",
        ref: { id: Uint8Array.of(1, 2), cls: 3 },
        data: Uint8Array.of(9),
        big: 65537n,
      },
    };
    const [payload] = new FrameDecoder().push(encodeMessage(request));
    expect(decodeRequest(payload as Buffer)).toEqual(request);
    const response = { id: 7, ok: true as const, result: [new Map([[0x11, null]])] };
    const [answer] = new FrameDecoder().push(encodeMessage(response));
    expect(decodeResponse(answer as Buffer)).toEqual(response);
  });

  it("rejects payloads that are not messages", () => {
    expect(() => decodeResponse(Buffer.from("not a message at all"))).toThrow(FrameError);
    expect(() => decodeResponse(serialize([1, 2]))).toThrow(FrameError);
    expect(() => decodeResponse(serialize({ id: 1 }))).toThrow(FrameError);
    expect(() =>
      decodeResponse(serialize({ id: 1, ok: false, error: { kind: "pkcs11", message: "x" } })),
    ).toThrow(FrameError);
    expect(() => decodeRequest(serialize({ id: 1, method: "sign" }))).toThrow(FrameError);
  });
});

describe("codec", () => {
  const plain = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.constant(undefined),
      fc.boolean(),
      fc.double(),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.bigInt(),
      fc.string(),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(
        fc.string().filter((k) => k !== "__proto__"),
        tie("value"),
        { maxKeys: 4 },
      ),
      fc
        .array(fc.tuple(fc.integer({ min: 0, max: 0xffff }), tie("value")), { maxLength: 4 })
        .map((e) => new Map(e)),
    ),
  })).value;

  it("round-trips plain data", () => {
    fc.assert(
      fc.property(plain, (value) => {
        expect(decodeValue(encodeValue(value))).toEqual(value);
      }),
    );
  });

  it("decodes bytes as fresh Uint8Arrays", () => {
    const encoded = encodeValue({ b: Uint8Array.of(1, 2, 3) });
    const decoded = decodeValue(encoded) as { b: Uint8Array };
    encoded.fill(0);
    expect(Array.from(decoded.b)).toEqual([1, 2, 3]);
    expect(Buffer.isBuffer(decoded.b)).toBe(false);
  });

  it("rejects truncation, trailing bytes, unknown tags, huge counts and deep nesting", () => {
    const good = encodeValue({ a: [1, "x", Uint8Array.of(5)] });
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => decodeValue(good.subarray(0, cut))).toThrow(FrameError);
    }
    expect(() => decodeValue(Buffer.concat([good, Buffer.of(0)]))).toThrow(FrameError);
    expect(() => decodeValue(Buffer.of(0x7f))).toThrow(FrameError);
    expect(() => decodeValue(Buffer.of(0x09, 0xff, 0xff, 0xff, 0xff))).toThrow(FrameError);
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_DEPTH; i++) deep = [deep];
    expect(() => decodeValue(encodeValue(deep))).toThrow(FrameError);
    expect(() => encodeValue(new Date())).toThrow(TypeError);
  });
});
