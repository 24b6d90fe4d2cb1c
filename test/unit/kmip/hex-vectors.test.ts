/**
 * The binary TTLV messages of the OASIS KMIP use cases / test cases (NLnetLabs collection):
 * each decodes, re-encodes byte for byte, and survives XML and JSON unchanged.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kmipJsonToTtlv, ttlvToKmipJson } from "../../../src/kmip/json.js";
import { ttlvToXml, xmlToTtlv } from "../../../src/kmip/xml.js";
import { decodeTtlv } from "../../../src/ttlv/decode.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import { bytesToHex, hexToBytes } from "../../../src/ttlv/hex.js";
import { canonical, VECTOR_ROOT } from "./vector-helpers.js";

interface HexVector {
  readonly file: string;
  readonly fn: string;
  readonly kind: "request" | "response";
  readonly length_ok: boolean;
  readonly hex: string;
}

const vectors: HexVector[] = readFileSync(
  join(VECTOR_ROOT, "nlnetlabs-oasis-usecase-hex.jsonl"),
  "utf8",
)
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as HexVector);

describe("OASIS use-case TTLV hex vectors", () => {
  it("are all there and all have consistent lengths", () => {
    expect(vectors.length).toBe(77);
    expect(vectors.every((v) => v.length_ok)).toBe(true);
  });

  it.each(vectors.map((v) => [`${v.fn} (${v.kind})`, v] as const))("%s", (_name, vector) => {
    const item = decodeTtlv(hexToBytes(vector.hex));
    expect(bytesToHex(encodeTtlv(item))).toBe(vector.hex.toLowerCase());
    const xml = ttlvToXml(item);
    const [fromXml] = xmlToTtlv(xml);
    expect(canonical(fromXml!)).toEqual(canonical(item));
    expect(ttlvToXml(fromXml!)).toBe(xml);
    const json = JSON.parse(JSON.stringify(ttlvToKmipJson(item))) as unknown;
    expect(canonical(kmipJsonToTtlv(json))).toEqual(canonical(item));
  });
});
