/**
 * Mutations of TTLV messages for the fuzzers. Byte-level ones know the TTLV layout (KMIP 1.4
 * section 9.1: 3-byte tag, 1-byte type, 4-byte big-endian length, value padded to 8) so they
 * hit the fields that matter: byte flips, lying length fields, truncation, splicing of two
 * messages, deep nesting, type byte changes, duplication of a structure's child.
 */
import { paddedLength, TTLV_HEADER_BYTES } from "../../src/ttlv/wire.js";
import type { Rng } from "./rng.js";

/** Where an item header was found: its offset, type byte, declared length, enclosing end. */
export interface HeaderAt {
  readonly offset: number;
  readonly type: number;
  readonly length: number;
  /** Offset of the length fields of the structures enclosing this item (outermost first). */
  readonly parents: readonly number[];
}

const STRUCTURE = 0x01;

/**
 * The item headers of `bytes`, following structures as far as their lengths make sense;
 * garbage just ends the walk.
 */
export function headersOf(bytes: Uint8Array, max = 4096): HeaderAt[] {
  const out: HeaderAt[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const walk = (start: number, end: number, parents: number[]): void => {
    let pos = start;
    while (pos + TTLV_HEADER_BYTES <= end && out.length < max) {
      const type = view.getUint8(pos + 3);
      const length = view.getUint32(pos + 4);
      out.push({ offset: pos, type, length, parents });
      const next = pos + TTLV_HEADER_BYTES + paddedLength(length);
      if (next > end || next <= pos) return;
      if (type === STRUCTURE) walk(pos + TTLV_HEADER_BYTES, next, [...parents, pos]);
      pos = next;
    }
  };
  walk(0, bytes.length, []);
  return out;
}

/** Lengths that have broken parsers before: zero, odd, off by one/eight, huge, negative. */
function interestingLength(rng: Rng, actual: number, left: number): number {
  return (
    rng.pick([
      0,
      1,
      4,
      7,
      8,
      actual + 1,
      actual - 1,
      actual + 8,
      actual - 8,
      left,
      left + 8,
      0x7fffffff,
      0x80000000,
      0xffffffff,
      0xfffffff8,
      1024 * 1024 + 1,
      rng.u32(),
    ]) >>> 0
  );
}

function copy(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

/** Adds `delta` to the length field of every enclosing structure. */
function growParents(out: Uint8Array, parents: readonly number[], delta: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const p of parents) view.setUint32(p + 4, (view.getUint32(p + 4) + delta) >>> 0);
}

type Mutator = (input: Uint8Array, rng: Rng, other: Uint8Array) => Uint8Array;

const flipBits: Mutator = (input, rng) => {
  const out = copy(input);
  const flips = 1 + rng.below(4);
  for (let i = 0; i < flips && out.length > 0; i++)
    out[rng.below(out.length)]! ^= 1 << rng.below(8);
  return out;
};

const setByte: Mutator = (input, rng) => {
  const out = copy(input);
  if (out.length > 0)
    out[rng.below(out.length)] = rng.pick([0, 0xff, 0x7f, 0x80, rng.u32() & 0xff]);
  return out;
};

const lieAboutLength: Mutator = (input, rng) => {
  const headers = headersOf(input);
  if (headers.length === 0) return flipBits(input, rng, input);
  const h = rng.pick(headers);
  const out = copy(input);
  const left = input.length - h.offset - TTLV_HEADER_BYTES;
  new DataView(out.buffer).setUint32(h.offset + 4, interestingLength(rng, h.length, left));
  return out;
};

const changeType: Mutator = (input, rng) => {
  const headers = headersOf(input);
  if (headers.length === 0) return flipBits(input, rng, input);
  const out = copy(input);
  out[rng.pick(headers).offset + 3] = rng.chance(0.8) ? rng.below(0x0c) : rng.u32() & 0xff;
  return out;
};

const truncate: Mutator = (input, rng) => {
  const cut = rng.chance(0.5) ? rng.below(input.length) : input.length - 1 - rng.below(16);
  return input.subarray(0, Math.max(0, cut));
};

const splice: Mutator = (input, rng, other) => {
  const a = rng.below(input.length + 1);
  const b = rng.below(other.length + 1);
  const out = new Uint8Array(a + other.length - b);
  out.set(input.subarray(0, a));
  out.set(other.subarray(b), a);
  return out;
};

/** Puts an item of `other` into a structure of `input`, fixing the enclosing lengths. */
const graft: Mutator = (input, rng, other) => {
  const into = headersOf(input).filter((h) => h.type === STRUCTURE);
  const from = headersOf(other).filter(
    (h) => h.offset + 8 + paddedLength(h.length) <= other.length,
  );
  if (into.length === 0 || from.length === 0) return splice(input, rng, other);
  const target = rng.pick(into);
  const source = rng.pick(from);
  const piece = other.subarray(source.offset, source.offset + 8 + paddedLength(source.length));
  const at = target.offset + TTLV_HEADER_BYTES;
  const out = new Uint8Array(input.length + piece.length);
  out.set(input.subarray(0, at));
  out.set(piece, at);
  out.set(input.subarray(at), at + piece.length);
  growParents(out, [...target.parents, target.offset], piece.length);
  return out;
};

/** Repeats one child of a structure 1 to 64 times in place, fixing the enclosing lengths. */
const duplicate: Mutator = (input, rng) => {
  const candidates = headersOf(input).filter(
    (h) => h.parents.length > 0 && h.offset + 8 + paddedLength(h.length) <= input.length,
  );
  if (candidates.length === 0) return flipBits(input, rng, input);
  const h = rng.pick(candidates);
  const size = 8 + paddedLength(h.length);
  const times = rng.chance(0.8) ? 1 : 1 + rng.below(64);
  const end = h.offset + size;
  const out = new Uint8Array(input.length + size * times);
  out.set(input.subarray(0, end));
  for (let i = 1; i <= times; i++) out.set(input.subarray(h.offset, end), h.offset + size * i);
  out.set(input.subarray(end), end + size * times);
  growParents(out, h.parents, size * times);
  return out;
};

/** Wraps one item (or the whole message) in 1 to 1100 structures, lengths consistent. */
const nest: Mutator = (input, rng) => {
  const headers = headersOf(input).filter(
    (h) => h.offset + 8 + paddedLength(h.length) <= input.length,
  );
  const h = headers.length > 0 ? rng.pick(headers) : undefined;
  const depth = rng.pick([1, 2, 31, 32, 33, 100, 511, 512, 513, 1100]);
  const start = h?.offset ?? 0;
  const end = h === undefined ? input.length : start + 8 + paddedLength(h.length);
  const inner = end - start;
  const out = new Uint8Array(input.length + depth * TTLV_HEADER_BYTES);
  out.set(input.subarray(0, start));
  const view = new DataView(out.buffer);
  for (let i = 0; i < depth; i++) {
    const at = start + i * TTLV_HEADER_BYTES;
    view.setUint32(at, ((0x420000 | (rng.below(0x160) + 1)) << 8) | STRUCTURE);
    view.setUint32(at + 4, inner + (depth - 1 - i) * TTLV_HEADER_BYTES);
  }
  out.set(input.subarray(start), start + depth * TTLV_HEADER_BYTES);
  if (h !== undefined) growParents(out, h.parents, depth * TTLV_HEADER_BYTES);
  return out;
};

const MUTATORS: readonly Mutator[] = [
  flipBits,
  setByte,
  lieAboutLength,
  lieAboutLength,
  changeType,
  changeType,
  truncate,
  splice,
  graft,
  graft,
  duplicate,
  duplicate,
  nest,
];

/** One to four stacked mutations of `input`; `other` is a second corpus entry to splice. */
export function mutate(input: Uint8Array, other: Uint8Array, rng: Rng): Uint8Array {
  let out = input;
  const rounds = 1 + rng.below(rng.chance(0.7) ? 1 : 4);
  for (let i = 0; i < rounds; i++) out = rng.pick(MUTATORS)(out, rng, other);
  return out;
}
