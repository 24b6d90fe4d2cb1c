/**
 * Field-by-field comparison of a response with the one a test case expects.
 *
 * Rules (docs/conformance.md, "How responses are compared"):
 * - tags and TTLV types must match; fields are matched by tag, in order among equal tags
 *   (the order of different tags is not checked); a missing or extra field is a mismatch;
 * - placeholders and literals of server-generated fields bind on first sight (bindings.ts)
 *   and must match their binding afterwards;
 * - `$NOW±n` Date-Times: any Date-Time within a day (plus n) of now;
 * - Result Message, Server/Client Correlation Value in the header: server text, type only;
 * - everything else: exactly.
 */
import { enumForTag } from "../../src/kmip/enums.js";
import { maskForTag, maskToNames } from "../../src/kmip/masks.js";
import { Tag, tagLabel } from "../../src/kmip/tags.js";
import { VECTOR_PLACEHOLDERS } from "../../src/kmip/xml-placeholders.js";
import type { TtlvItem } from "../../src/ttlv/types.js";
import {
  type Bindings,
  type BoundValue,
  bindingKey,
  copyBound,
  isPlaceholder,
  nowOffset,
  sameBound,
} from "./bindings.js";

/** One difference between expected and received. */
export interface Mismatch {
  /** Tag path, e.g. `BatchItem/ResponsePayload/Data`. */
  readonly path: string;
  readonly expected: string;
  readonly got: string;
}

/** What the comparison of one response needs to know. */
export interface CompareContext {
  readonly bindings: Bindings;
  /** Current time, POSIX seconds. */
  readonly nowSeconds: bigint;
  /**
   * The literal Date-Times the file's requests send. Any other literal Date-Time a response
   * expects was read off the original server's clock (the KMIP 1.0/1.1 vectors write 2013
   * dates where later ones write $NOW): the relay's value must then be ~now.
   */
  readonly requestDates?: ReadonlySet<bigint>;
  /** Whether a leaf at `path` holds a value this server generates (compared by type). */
  readonly generated: (path: readonly number[]) => boolean;
  /** Whether the fields with the last tag of `path` are a list of the server's own choosing. */
  readonly serverList: (path: readonly number[]) => boolean;
  /** Fields left out of the comparison (attributes a PKCS#11 relay cannot hold). */
  readonly ignores: (item: TtlvItem) => boolean;
  /** Fields the server may leave out (type checked when present). */
  readonly optional: ReadonlySet<number>;
  /** Notes on values compared by type only. */
  readonly notes: string[];
}

const DAY = 86_400n;
/** Leaves whose value is the server's own (text, clock): type only. */
const SERVER_TEXT: ReadonlySet<number> = new Set([
  Tag.TimeStamp,
  Tag.ResultMessage,
  Tag.ServerCorrelationValue,
  Tag.ClientCorrelationValue,
]);

/** Shows a leaf value the way the XML vectors write it. */
export function showValue(item: TtlvItem): string {
  switch (item.type) {
    case "Structure":
      return `{${item.value.map((c) => tagLabel(c.tag)).join(", ")}}`;
    case "ByteString":
      return Buffer.from(item.value).toString("hex") || "(empty)";
    case "Enumeration":
      return enumForTag(item.tag)?.byValue.get(item.value) ?? `0x${item.value.toString(16)}`;
    case "DateTime": {
      const date = new Date(Number(item.value) * 1000);
      const text = Number.isNaN(date.getTime()) ? String(item.value) : date.toISOString();
      return VECTOR_PLACEHOLDERS.format(item) ?? text;
    }
    case "Integer": {
      const mask = maskForTag(item.tag);
      return mask
        ? `${maskToNames(mask, item.value).join(" ")} (${item.value})`
        : String(item.value);
    }
    default:
      return String(item.value);
  }
}

/** Compares a received item with the expected one; returns every mismatch. */
export function compareItems(
  expected: TtlvItem,
  got: TtlvItem,
  ctx: CompareContext,
  path: readonly number[] = [],
): Mismatch[] {
  const here = [...path, expected.tag];
  const at = here.slice(1).map(tagLabel).join("/") || tagLabel(expected.tag);
  if (expected.type !== got.type) {
    return [{ path: at, expected: expected.type, got: `${got.type} ${showValue(got)}` }];
  }
  if (expected.type === "Structure" && got.type === "Structure") {
    return compareChildren(expected.value, got.value, ctx, here, at);
  }
  return compareLeaf(expected, got, ctx, here, at);
}

function compareChildren(
  expected: readonly TtlvItem[],
  got: readonly TtlvItem[],
  ctx: CompareContext,
  here: readonly number[],
  at: string,
): Mismatch[] {
  const out: Mismatch[] = [];
  const used = new Set<number>();
  const lists = new Set<number>();
  for (const want of expected) {
    if (ctx.ignores(want)) continue;
    if (lists.has(want.tag) || ctx.serverList([...here, want.tag])) {
      if (!lists.has(want.tag)) out.push(...compareList(want, got, used, at));
      lists.add(want.tag);
      continue;
    }
    const key = matchKey(want);
    const index = got.findIndex((item, i) => !used.has(i) && matchKey(item) === key);
    if (index < 0) {
      if (!ctx.optional.has(want.tag)) {
        out.push({ path: `${at}/${tagLabel(want.tag)}`, expected: showValue(want), got: "absent" });
      }
      continue;
    }
    used.add(index);
    out.push(...compareItems(want, got[index] as TtlvItem, ctx, here));
  }
  got.forEach((item, i) => {
    if (used.has(i) || ctx.ignores(item)) return;
    out.push({ path: `${at}/${tagLabel(item.tag)}`, expected: "absent", got: showValue(item) });
  });
  return out;
}

/**
 * What pairs an expected field with a received one: the tag, and for a KMIP 1.x Attribute
 * also its Attribute Name (a server lists attributes in its own order, KMIP 1.4 sec. 4.12).
 */
function matchKey(item: TtlvItem): string {
  if (item.tag !== Tag.Attribute || item.type !== "Structure") return String(item.tag);
  const name = item.value.find((c) => c.tag === Tag.AttributeName);
  return `${item.tag}:${name?.type === "TextString" ? name.value : ""}`;
}

/** A server-chosen list: at least one item, each of the expected type. */
function compareList(
  want: TtlvItem,
  got: readonly TtlvItem[],
  used: Set<number>,
  at: string,
): Mismatch[] {
  const path = `${at}/${tagLabel(want.tag)}`;
  const mine = got.flatMap((item, i) => (item.tag === want.tag ? [i] : []));
  for (const i of mine) used.add(i);
  if (mine.length === 0) return [{ path, expected: "a list (server's choice)", got: "absent" }];
  const wrong = mine.find((i) => got[i]?.type !== want.type);
  if (wrong === undefined) return [];
  return [{ path, expected: want.type, got: got[wrong]?.type ?? "?" }];
}

/** A literal Date-Time no request sent, answered with one within a day of now. */
function serverClock(expected: TtlvItem, got: TtlvItem, ctx: CompareContext): boolean {
  if (expected.type !== "DateTime" || got.type !== "DateTime") return false;
  if (expected.value === got.value || ctx.requestDates?.has(expected.value) !== false) return false;
  const distance = got.value - ctx.nowSeconds;
  return distance <= DAY && distance >= -DAY;
}

function compareLeaf(
  expected: TtlvItem,
  got: TtlvItem,
  ctx: CompareContext,
  here: readonly number[],
  at: string,
): Mismatch[] {
  if (SERVER_TEXT.has(expected.tag)) return [];
  const offset = nowOffset(expected);
  if (offset !== undefined && got.type === "DateTime") {
    const slack = DAY + (offset < 0n ? -offset : offset);
    const distance = got.value - ctx.nowSeconds;
    if (distance <= slack && distance >= -slack) return [];
    return [{ path: at, expected: `${showValue(expected)} (~now)`, got: showValue(got) }];
  }
  if (serverClock(expected, got, ctx)) {
    ctx.notes.push(`${at}: ${showValue(expected)} is the vector server's clock: compared as ~now`);
    return [];
  }
  const key = bindingKey(expected);
  if (key !== undefined) {
    const bound = ctx.bindings.get(key);
    const value = got.value as BoundValue;
    if (bound !== undefined) {
      if (sameBound(bound, value)) return [];
      return [{ path: at, expected: `${key} = ${showBound(bound)}`, got: showValue(got) }];
    }
    if (isPlaceholder(expected) || isIdentifier(expected.tag)) {
      ctx.bindings.set(key, copyBound(value));
      return [];
    }
    if (!sameBound(expected.value as BoundValue, value) && ctx.generated(here)) {
      const size = sizeMismatch(expected, got, at);
      if (size) return [size];
      ctx.bindings.set(key, copyBound(value));
      ctx.notes.push(`${at}: server-generated, compared by type`);
      return [];
    }
  }
  if (sameLeaf(expected, got)) return [];
  return [{ path: at, expected: showValue(expected), got: showValue(got) }];
}

/**
 * A generated Byte String has the length of the vector's (same key size, mode, request),
 * except a signature: ECDSA's DER encoding varies by a byte or two.
 */
function sizeMismatch(expected: TtlvItem, got: TtlvItem, at: string): Mismatch | undefined {
  if (expected.type !== "ByteString" || got.type !== "ByteString") return undefined;
  if (expected.tag === Tag.SignatureData || expected.value.length === got.value.length) {
    return undefined;
  }
  return {
    path: at,
    expected: `${expected.value.length} bytes (server-generated)`,
    got: `${got.value.length} bytes`,
  };
}

/** Tags of identifiers the server assigns: a literal in a vector is the original server's. */
const IDENTIFIERS: ReadonlySet<number> = new Set([
  Tag.UniqueIdentifier,
  Tag.PrivateKeyUniqueIdentifier,
  Tag.PublicKeyUniqueIdentifier,
  Tag.AsynchronousCorrelationValue,
  Tag.CorrelationValue,
]);

function isIdentifier(tag: number): boolean {
  return IDENTIFIERS.has(tag);
}

function showBound(value: BoundValue): string {
  return typeof value === "string" ? value : Buffer.from(value).toString("hex");
}

function sameLeaf(a: TtlvItem, b: TtlvItem): boolean {
  if (a.type === "ByteString" && b.type === "ByteString") return sameBound(a.value, b.value);
  return a.value === b.value;
}
