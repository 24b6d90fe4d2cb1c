import { serialize } from "node:v8";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  encodeFrame,
  FrameDecoder,
  FrameError,
  MAX_FRAME_BYTES,
} from "../../../src/pkcs11/rpc/frames.js";
import { decodeRequest, decodeResponse, encodeMessage } from "../../../src/pkcs11/rpc/protocol.js";

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
    expect(() => decodeResponse(Buffer.from("not v8 data at all"))).toThrow(FrameError);
    expect(() => decodeResponse(serialize([1, 2]))).toThrow(FrameError);
    expect(() => decodeResponse(serialize({ id: 1 }))).toThrow(FrameError);
    expect(() =>
      decodeResponse(serialize({ id: 1, ok: false, error: { kind: "pkcs11", message: "x" } })),
    ).toThrow(FrameError);
    expect(() => decodeRequest(serialize({ id: 1, method: "sign" }))).toThrow(FrameError);
  });
});
