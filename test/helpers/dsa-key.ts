/**
 * A DSA key pair made by node:crypto and its public parts P, Q, G, Y read from the
 * SubjectPublicKeyInfo DER (RFC 3279 section 2.3.2) that node:crypto exports: node:crypto has
 * no JWK form for DSA. Used by unit and integration tests.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";

/** Reads one DER TLV at `at`: its tag, content and the offset after it. */
function tlv(der: Uint8Array, at: number): { tag: number; content: Uint8Array; end: number } {
  const tag = der[at] ?? -1;
  let length = der[at + 1] ?? 0;
  let start = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (der[start + i] ?? 0);
    start += n;
  }
  return { tag, content: der.subarray(start, start + length), end: start + length };
}

const toBigInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString("hex")}`);

/** P, Q, G, Y of a DSA public key. */
export function dsaPublicParts(key: KeyObject): { p: bigint; q: bigint; g: bigint; y: bigint } {
  const der = new Uint8Array(key.export({ type: "spki", format: "der" }));
  const spki = tlv(der, 0).content;
  const algorithm = tlv(spki, 0);
  const params = tlv(algorithm.content, tlv(algorithm.content, 0).end).content;
  const p = tlv(params, 0);
  const q = tlv(params, p.end);
  const g = tlv(params, q.end);
  const bits = tlv(spki, algorithm.end).content;
  const y = tlv(bits, 1).content;
  return { p: toBigInt(p.content), q: toBigInt(q.content), g: toBigInt(g.content), y: toBigInt(y) };
}

/** A fresh DSA key pair of a `l`-bit P and `n`-bit Q. */
export function dsaKeyPair(l = 2048, n = 256) {
  return generateKeyPairSync("dsa", { modulusLength: l, divisorLength: n });
}
