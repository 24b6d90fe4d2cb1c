/** Requests and helpers shared by the Encrypt and Decrypt unit tests. */
import { BlockCipherMode } from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { OperationHandler } from "../../../src/operations/types.js";
import type { Mechanism, ObjectRef } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { argsOf, contextFor, FakeClient, payload, rejection } from "./fake.js";

export const SEC = "0A0B_sec";
export const PUB = "0A0B_pub";
export const PRIV = "0A0B_priv";
export const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

export function params(f: {
  mode?: number;
  padding?: number;
  hash?: number;
  mgfHash?: number;
  algorithm?: number;
  tagLength?: number;
  ivLength?: number;
  randomIv?: boolean;
  label?: Uint8Array;
}): TtlvItem {
  const items: TtlvItem[] = [];
  if (f.mode !== undefined) items.push(build.enumeration(Tag.BlockCipherMode, f.mode));
  if (f.padding !== undefined) items.push(build.enumeration(Tag.PaddingMethod, f.padding));
  if (f.hash !== undefined) items.push(build.enumeration(Tag.HashingAlgorithm, f.hash));
  if (f.algorithm !== undefined) {
    items.push(build.enumeration(Tag.CryptographicAlgorithm, f.algorithm));
  }
  if (f.randomIv !== undefined) items.push(build.boolean(Tag.RandomIV, f.randomIv));
  if (f.ivLength !== undefined) items.push(build.integer(Tag.IVLength, f.ivLength));
  if (f.tagLength !== undefined) items.push(build.integer(Tag.TagLength, f.tagLength));
  if (f.mgfHash !== undefined) {
    items.push(build.enumeration(Tag.MaskGeneratorHashingAlgorithm, f.mgfHash));
  }
  if (f.label !== undefined) items.push(build.byteString(Tag.PSource, f.label));
  return build.structure(Tag.CryptographicParameters, items);
}

export const GCM = params({ mode: BlockCipherMode.GCM });
export const CBC = params({ mode: BlockCipherMode.CBC });

export function req(
  uid: string,
  p: TtlvItem | undefined,
  data: Uint8Array,
  extra: TtlvItem[] = [],
) {
  return payload(
    build.textString(Tag.UniqueIdentifier, uid),
    ...(p === undefined ? [] : [p]),
    build.byteString(Tag.Data, data),
    ...extra,
  );
}

export const iv = (b: Uint8Array) => build.byteString(Tag.IVCounterNonce, b);
export const aad = (b: Uint8Array) =>
  build.byteString(Tag.AuthenticatedEncryptionAdditionalData, b);
export const tag = (b: Uint8Array) => build.byteString(Tag.AuthenticatedEncryptionTag, b);

/**
 * Runs `handler` (Encrypt or Decrypt) with a token whose `method` answers `output`; returns
 * the response and the key, mechanism and data the token was called with.
 */
export async function runCipher(
  handler: OperationHandler,
  method: "encrypt" | "decrypt",
  p: ReturnType<typeof req>,
  output: Uint8Array,
) {
  const client = new FakeClient({ [method]: () => output });
  const result = await handler.run(p, contextFor(client));
  const [, ref, mechanism, data] = argsOf(client, method) as [
    string,
    ObjectRef,
    Mechanism,
    Uint8Array,
  ];
  return { result, ref, mechanism, data };
}

/** What `run` rejected with, as a KmipError. */
export async function refusal(run: () => Promise<unknown>): Promise<KmipError> {
  return (await rejection(run)) as KmipError;
}
