/**
 * The two fuzz targets and their oracles.
 *
 * - `decode`: `decodeTtlv` with the default limits must return an item (that re-encodes and
 *   decodes again, no deeper than the limit) or throw a TtlvError located inside the input.
 * - `dispatch`: `handleRequestBytes` over a fake token must resolve to a Response Message
 *   that decodes, whose Batch Count matches its batch items, each with a Result Status; it
 *   must not throw, and no log line may hold the PIN.
 *
 * Either target returns the features the input reached (behaviour, not code lines: error
 * codes with their tag paths, operations with their result reasons and message shapes), which
 * the engine uses to keep inputs that did something new.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { findChild, findChildren } from "../../src/kmip/item.js";
import { Tag } from "../../src/kmip/tags.js";
import { Authenticator } from "../../src/server/auth.js";
import { type DispatchDeps, handleRequestBytes } from "../../src/server/dispatch.js";
import { decodeTtlv } from "../../src/ttlv/decode.js";
import { encodeTtlv } from "../../src/ttlv/encode.js";
import { formatTagPath, TtlvError } from "../../src/ttlv/errors.js";
import { DEFAULT_TTLV_LIMITS, type TtlvItem } from "../../src/ttlv/types.js";
import { FuzzHsm } from "./fake-hsm.js";
import { Rng } from "./rng.js";
import { FUZZ_PIN } from "./seeds.js";

/** What one input did. */
export interface Outcome {
  readonly features: readonly string[];
  /** Set when an oracle failed: what went wrong. */
  readonly failure?: string;
}

/** A fuzz target: `aux` seeds the target's own random choices (the fake token's answers). */
export interface FuzzTarget {
  readonly name: "decode" | "dispatch";
  run(input: Uint8Array, aux: number): Promise<Outcome>;
}

/** Time after which an input counts as a hang. */
export const HANG_MS = 5_000;

function depthOf(item: TtlvItem): number {
  if (item.type !== "Structure") return 0;
  let deepest = 0;
  for (const child of item.value) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}

/** Structural features of a decoded item: parent tag > child tag:type, first 64 only. */
function shapeFeatures(item: TtlvItem, out: string[], parent = 0): void {
  if (out.length >= 64) return;
  out.push(`${parent.toString(16)}>${item.tag.toString(16)}:${item.type}`);
  if (item.type === "Structure")
    for (const child of item.value) shapeFeatures(child, out, item.tag);
}

function errorFeature(err: TtlvError): string {
  return `err:${err.code}:${formatTagPath(err.tagPath.slice(-2))}`;
}

/** `decodeTtlv` with default limits. */
export const decodeTarget: FuzzTarget = {
  name: "decode",
  async run(input) {
    let item: TtlvItem;
    const started = performance.now();
    try {
      item = decodeTtlv(input);
    } catch (err) {
      if (performance.now() - started > HANG_MS) {
        return { features: [], failure: `decoding took over ${HANG_MS} ms` };
      }
      if (!(err instanceof TtlvError)) return { features: [], failure: `threw ${String(err)}` };
      const bound = Math.max(input.length, DEFAULT_TTLV_LIMITS.maxMessageBytes);
      if (!(err.offset >= 0 && err.offset <= bound)) {
        return { features: [], failure: `TtlvError offset ${err.offset} outside the input` };
      }
      return { features: [errorFeature(err)] };
    }
    if (performance.now() - started > HANG_MS) {
      return { features: [], failure: `decoding took over ${HANG_MS} ms` };
    }
    const depth = depthOf(item);
    if (depth > DEFAULT_TTLV_LIMITS.maxDepth) {
      return { features: [], failure: `decoded depth ${depth} over the limit` };
    }
    try {
      decodeTtlv(encodeTtlv(item));
    } catch (err) {
      return { features: [], failure: `decoded item does not round-trip: ${String(err)}` };
    }
    const features = ["ok", `depth:${depth}`];
    shapeFeatures(item, features);
    return { features };
  },
};

/** The dispatcher's log sink: drops lines, remembers whether one held the PIN. */
class LogSink extends Writable {
  leaked = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    if (chunk.includes(FUZZ_PIN)) this.leaked = true;
    done();
  }
}

function messageShape(text: unknown): string {
  if (typeof text !== "string") return "";
  return text
    .replace(/"[^"]*"/g, "S")
    .replace(/[0-9a-fA-F]{4,}/g, "H")
    .replace(/\d+/g, "N")
    .slice(0, 48);
}

/** Checks a response; returns its features or throws with what is wrong. */
function checkResponse(bytes: Uint8Array): string[] {
  const response = decodeTtlv(bytes);
  if (response.tag !== Tag.ResponseMessage || response.type !== "Structure") {
    throw new Error("not a Response Message");
  }
  const header = findChild(response, Tag.ResponseHeader);
  const items = findChildren(response, Tag.BatchItem);
  const count = header === undefined ? undefined : findChild(header, Tag.BatchCount)?.value;
  if (items.length === 0 || count !== items.length) {
    throw new Error(`Batch Count ${String(count)} with ${items.length} batch items`);
  }
  return items.map((item) => {
    const status = findChild(item, Tag.ResultStatus)?.value;
    if (status === undefined) throw new Error("batch item without Result Status");
    const op = findChild(item, Tag.Operation)?.value;
    const reason = findChild(item, Tag.ResultReason)?.value;
    const text = messageShape(findChild(item, Tag.ResultMessage)?.value);
    return `${String(op)}:${String(status)}:${String(reason)}:${text}`;
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | "hang"> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"hang">((resolve) => {
    timer = setTimeout(() => resolve("hang"), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

let peerCounter = 0;

/** `handleRequestBytes` over {@link FuzzHsm}, logging at trace level. */
export const dispatchTarget: FuzzTarget = {
  name: "dispatch",
  async run(input, aux) {
    const hsm = new FuzzHsm(new Rng(aux));
    const sink = new LogSink();
    const logger = pino({ level: "trace" }, sink);
    const deps: DispatchDeps = {
      client: hsm,
      authenticator: new Authenticator(hsm, logger),
      logger,
      server: { product: "kmip2pkcs11", version: "0.0.0-fuzz", libraryPath: "/fuzz.so" },
      limits: {},
      options: { allowRsa1024: false },
      maxBatchItems: 1000,
    };
    // A new peer each time: the login throttle of one input does not leak into the next.
    const peer = { key: `fuzz-${peerCounter++}`, connectionId: 1 };
    let bytes: Buffer | "hang";
    try {
      bytes = await withDeadline(handleRequestBytes(input, peer, deps), HANG_MS);
    } catch (err) {
      return { features: [], failure: `handleRequestBytes threw ${String(err)}` };
    }
    if (bytes === "hang") return { features: [], failure: `no response within ${HANG_MS} ms` };
    let features: string[];
    try {
      features = checkResponse(bytes);
    } catch (err) {
      return { features: [], failure: `bad response: ${String(err)}` };
    }
    if (sink.leaked) return { features, failure: "a log line holds the PIN" };
    return { features };
  },
};
