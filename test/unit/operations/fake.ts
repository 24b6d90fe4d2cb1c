/**
 * A fake Pkcs11Client that records every call and answers from per-method stubs, and
 * helpers to build request payloads. No I/O.
 */
import { pino } from "pino";
import { build, type ItemOf } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { OperationContext, OperationOptions } from "../../../src/operations/types.js";
import type { Pkcs11Client } from "../../../src/pkcs11/client.js";
import type { AttrValues } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";

/** One recorded call. */
export interface Call {
  readonly fn: keyof Pkcs11Client;
  readonly args: readonly unknown[];
}

/** Parameters of a client method. */
type ArgsOf<K extends keyof Pkcs11Client> = Parameters<Pkcs11Client[K]>;

type Stubs = { [K in keyof Pkcs11Client]?: (...args: ArgsOf<K>) => unknown };

/** A recording client; `stubs` answer, anything not stubbed resolves to undefined. */
export class FakeClient implements Pkcs11Client {
  readonly calls: Call[] = [];
  constructor(readonly stubs: Stubs = {}) {}

  private async call<K extends keyof Pkcs11Client>(fn: K, args: ArgsOf<K>) {
    this.calls.push({ fn, args });
    const stub = this.stubs[fn] as ((...a: unknown[]) => unknown) | undefined;
    // biome-ignore lint/suspicious/noExplicitAny: a fake answers whatever its stub returns
    return (stub === undefined ? undefined : await stub(...args)) as any;
  }

  /** The calls of one method. */
  callsOf(fn: keyof Pkcs11Client): Call[] {
    return this.calls.filter((c) => c.fn === fn);
  }

  libraryInfo = (...a: Parameters<Pkcs11Client["libraryInfo"]>) => this.call("libraryInfo", a);
  listTokens = (...a: Parameters<Pkcs11Client["listTokens"]>) => this.call("listTokens", a);
  tokenInfo = (...a: Parameters<Pkcs11Client["tokenInfo"]>) => this.call("tokenInfo", a);
  login = (...a: Parameters<Pkcs11Client["login"]>) => this.call("login", a);
  generateKeyPair = (...a: Parameters<Pkcs11Client["generateKeyPair"]>) =>
    this.call("generateKeyPair", a);
  generateKey = (...a: Parameters<Pkcs11Client["generateKey"]>) => this.call("generateKey", a);
  createObject = (...a: Parameters<Pkcs11Client["createObject"]>) => this.call("createObject", a);
  findObjects = (...a: Parameters<Pkcs11Client["findObjects"]>) => this.call("findObjects", a);
  getAttributes = (...a: Parameters<Pkcs11Client["getAttributes"]>) =>
    this.call("getAttributes", a);
  setAttributes = (...a: Parameters<Pkcs11Client["setAttributes"]>) =>
    this.call("setAttributes", a);
  destroyObject = (...a: Parameters<Pkcs11Client["destroyObject"]>) =>
    this.call("destroyObject", a);
  readDataObject = (...a: Parameters<Pkcs11Client["readDataObject"]>) =>
    this.call("readDataObject", a);
  writeDataObject = (...a: Parameters<Pkcs11Client["writeDataObject"]>) =>
    this.call("writeDataObject", a);
  deleteDataObject = (...a: Parameters<Pkcs11Client["deleteDataObject"]>) =>
    this.call("deleteDataObject", a);
  sign = (...a: Parameters<Pkcs11Client["sign"]>) => this.call("sign", a);
  verify = (...a: Parameters<Pkcs11Client["verify"]>) => this.call("verify", a);
  encrypt = (...a: Parameters<Pkcs11Client["encrypt"]>) => this.call("encrypt", a);
  decrypt = (...a: Parameters<Pkcs11Client["decrypt"]>) => this.call("decrypt", a);
  generateRandom = (...a: Parameters<Pkcs11Client["generateRandom"]>) =>
    this.call("generateRandom", a);
  seedRandom = (...a: Parameters<Pkcs11Client["seedRandom"]>) => this.call("seedRandom", a);
  digest = (...a: Parameters<Pkcs11Client["digest"]>) => this.call("digest", a);
  digestKey = (...a: Parameters<Pkcs11Client["digestKey"]>) => this.call("digestKey", a);
  streamBegin = (...a: ArgsOf<"streamBegin">) => this.call("streamBegin", a);
  streamUpdate = (...a: ArgsOf<"streamUpdate">) => this.call("streamUpdate", a);
  streamFinish = (...a: ArgsOf<"streamFinish">) => this.call("streamFinish", a);
  streamAbort = (...a: ArgsOf<"streamAbort">) => this.call("streamAbort", a);
  /** No token ever accepts a new PIN here (a subclass can move it). */
  pinEpoch = (): number => 0;
  close = (...a: Parameters<Pkcs11Client["close"]>) => this.call("close", a);
}

/** A context around `client` (token "tok", KMIP 1.2 unless told). */
export function contextFor(
  client: Pkcs11Client,
  over: {
    token?: string | undefined;
    version?: { major: number; minor: number };
    options?: OperationOptions;
  } = {},
): OperationContext {
  const base = {
    client,
    token: "token" in over ? over.token : "tok",
    version: over.version ?? { major: 1, minor: 2 },
    logger: pino({ level: "silent" }),
    server: { product: "kmip2pkcs11", version: "9.9.9", libraryPath: "/lib/libfake.so" },
  };
  return over.options === undefined ? base : { ...base, options: over.options };
}

/** A Request Payload structure. */
export function payload(...fields: TtlvItem[]): ItemOf<"Structure"> {
  return build.structure(Tag.RequestPayload, fields) as ItemOf<"Structure">;
}

/** A 1.x `Attribute{Attribute Name, Attribute Value}`. */
export function v1Attribute(name: string, value: TtlvItem, index?: number): TtlvItem {
  const fields = [build.textString(Tag.AttributeName, name)];
  if (index !== undefined) fields.push(build.integer(Tag.AttributeIndex, index));
  return build.structure(Tag.Attribute, [...fields, { ...value, tag: Tag.AttributeValue }]);
}

/** A Name attribute value (Uninterpreted Text String unless told). */
export function nameValue(text: string, type = 1): TtlvItem {
  return build.structure(Tag.Name, [
    build.textString(Tag.NameValue, text),
    build.enumeration(Tag.NameType, type),
  ]);
}

/** A CK_ULONG as the library returns it (8 bytes, little-endian). */
export function ulongBytes(value: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return new Uint8Array(b);
}

/** An AttrValues map. */
export function attrValues(entries: [number, Uint8Array | null][]): AttrValues {
  return new Map(entries);
}

/** The child of a response payload with `tag`. */
export function field(items: readonly TtlvItem[], tag: number): TtlvItem | undefined {
  return items.find((i) => i.tag === tag);
}

/** Runs `fn` and returns what it rejected with (fails when it resolves). */
export async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

/** The arguments of the `n`th call of `fn` (fails when there is none). */
export function argsOf(client: FakeClient, fn: keyof Pkcs11Client, n = 0): readonly unknown[] {
  const call = client.callsOf(fn)[n];
  if (call === undefined) throw new Error(`no call ${n} of ${fn}`);
  return call.args;
}
