/**
 * Calls the operation handlers directly, as the dispatcher does, with a real PKCS#11 client
 * on a fresh SoftHSM2 token; failures come back as the KmipError the client would see.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { pino } from "pino";
import { KeyFormatType } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build, findChild, type ItemOf } from "../../../src/kmip/item.js";
import type { ProtocolVersion } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import { toKmipError } from "../../../src/operations/errors.js";
import { handlerFor } from "../../../src/operations/registry.js";
import type { OperationContext } from "../../../src/operations/types.js";
import type { Pkcs11Client } from "../../../src/pkcs11/client.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";

/** Runs operation `op` with `fields` as its Request Payload. */
export async function call(
  client: Pkcs11Client,
  token: string | undefined,
  op: number,
  fields: TtlvItem[],
  version: ProtocolVersion = { major: 1, minor: 2 },
): Promise<readonly TtlvItem[]> {
  const handler = handlerFor(op);
  if (handler === undefined) throw new Error(`no handler for operation ${op}`);
  const ctx: OperationContext = {
    client,
    token,
    version,
    logger: pino({ level: "silent" }),
    server: {
      product: "kmip2pkcs11",
      version: "0.1.0",
      libraryPath: "/usr/lib/softhsm/libsofthsm2.so",
    },
  };
  const payload = build.structure(Tag.RequestPayload, fields) as ItemOf<"Structure">;
  try {
    return (await handler.run(payload, ctx)).payload;
  } catch (err) {
    throw toKmipError(err);
  }
}

/** The KmipError a call fails with (fails when it succeeds). */
export async function failure(promise: Promise<unknown>): Promise<KmipError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof KmipError) return err;
    throw err;
  }
  throw new Error("expected the operation to fail");
}

/** The value of the payload field `tag`. */
export function fieldOf(items: readonly TtlvItem[], tag: number): TtlvItem["value"] | undefined {
  return items.find((i) => i.tag === tag)?.value;
}

/** The Key Block of a Get response. */
export function keyBlockOf(items: readonly TtlvItem[]) {
  const publicKey = items.find((i) => i.tag === Tag.PublicKey);
  const block = publicKey && findChild(publicKey, Tag.KeyBlock);
  const keyValue = block && findChild(block, Tag.KeyValue);
  const material = keyValue && findChild(keyValue, Tag.KeyMaterial);
  if (block === undefined || material === undefined) throw new Error("Get: no Key Material");
  return {
    format: findChild(block, Tag.KeyFormatType)?.value as number,
    algorithm: findChild(block, Tag.CryptographicAlgorithm)?.value as number,
    length: findChild(block, Tag.CryptographicLength)?.value as number,
    material,
  };
}

function b64url(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex").toString("base64url");
}

const JWK_CURVES: Record<number, string> = { 7: "P-256", 10: "P-384", 13: "P-521" };

/** Parses the Key Material of a Get response back into a KeyObject, whatever its format. */
export function keyObjectFromGet(items: readonly TtlvItem[]): KeyObject {
  const { format, material } = keyBlockOf(items);
  if (material.type === "ByteString") {
    const key = Buffer.from(material.value);
    if (format === KeyFormatType.PKCS_1)
      return createPublicKey({ key, format: "der", type: "pkcs1" });
    return createPublicKey({ key, format: "der", type: "spki" });
  }
  if (format === KeyFormatType.TransparentRSAPublicKey) {
    const n = findChild(material, Tag.Modulus)?.value as bigint;
    const e = findChild(material, Tag.PublicExponent)?.value as bigint;
    return createPublicKey({ key: { kty: "RSA", n: b64url(n), e: b64url(e) }, format: "jwk" });
  }
  const curve = JWK_CURVES[findChild(material, Tag.RecommendedCurve)?.value as number] ?? "";
  const q = Buffer.from(findChild(material, Tag.QString)?.value as Uint8Array);
  const n = (q.length - 1) / 2;
  return createPublicKey({
    key: {
      kty: "EC",
      crv: curve,
      x: q.subarray(1, 1 + n).toString("base64url"),
      y: q.subarray(1 + n).toString("base64url"),
    },
    format: "jwk",
  });
}
