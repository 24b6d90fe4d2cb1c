/**
 * Nothing secret reaches the logs, at trace level: the relay runs with `logLevel: "trace"`,
 * every operation that carries a secret is driven (requests with the PIN, wrong PINs, Create
 * Key Pair, Sign with data, Get, Register of a secret key, a Register of a private
 * key), and the captured output, which includes what the PKCS#11 workers print (the
 * supervisor logs their stdout and stderr), is searched for each secret in every encoding a
 * log line could carry it in.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  KeyFormatType,
  ObjectType,
  Operation,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import {
  attr,
  firstResult,
  getPayload,
  KEY_KINDS,
  Session,
  signPayload,
  v1Attribute,
} from "../relay/session.js";

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 2, logLevel: "trace" });
});
afterAll(async () => {
  await relay?.close();
});

const WRONG_PINS = ["Wr0ngPin-4471", "neverThePin-9921"];

/** Every way a log line could spell `bytes`: hex (both cases), base64, JSON number lists. */
function spellings(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  const head = b.subarray(0, 12);
  const out: string[] = [];
  for (const part of [b, head]) {
    out.push(part.toString("hex"), part.toString("hex").toUpperCase());
    out.push(part.toString("base64").slice(0, 16), part.toString("base64url").slice(0, 16));
  }
  out.push([...head.subarray(0, 8)].join(","));
  out.push(
    [...head.subarray(0, 4)].map((v, i) => `"${i}":${v}`).join(","), // a Uint8Array as JSON
  );
  return out;
}

/** Key Block of a key given to Register (KMIP 1.4 section 2.1.3). */
function keyBlock(format: number, material: Uint8Array, algorithm: number, bits: number) {
  return build.structure(Tag.KeyBlock, [
    build.enumeration(Tag.KeyFormatType, format),
    build.structure(Tag.KeyValue, [build.byteString(Tag.KeyMaterial, material)]),
    build.enumeration(Tag.CryptographicAlgorithm, algorithm),
    build.integer(Tag.CryptographicLength, bits),
  ]);
}

function registerPayload(objectType: number, object: TtlvItem, attrs: TtlvItem[]): TtlvItem[] {
  return [
    build.enumeration(Tag.ObjectType, objectType),
    build.structure(Tag.TemplateAttribute, attrs),
    object,
  ];
}

describe("secrets in logs at trace level", () => {
  it("no PIN, signed data, key material or private key appears in any log line", async () => {
    const session = await Session.open(relay);
    const secrets: Record<string, string[]> = { pin: [relay.pin] };

    // Create Key Pair, Get of both halves, Sign with data (every request carries the PIN).
    const { privateUid, publicUid } = await session.createKeyPair({ common: KEY_KINDS.p256 });
    expect((await session.call(Operation.Get, getPayload(publicUid))).status).toBe(
      ResultStatus.Success,
    );
    await session.call(Operation.Get, getPayload(privateUid));
    const data = randomBytes(48);
    secrets.data = spellings(data);
    const signed = await session.ok(Operation.Sign, signPayload(privateUid, { data }));
    expect(signed).toBeDefined();

    // A secret key registered with known bytes travels to a worker (C_CreateObject).
    const aesKey = randomBytes(32);
    secrets.aesKey = spellings(aesKey);
    const registered = await session.call(
      Operation.Register,
      registerPayload(
        ObjectType.SymmetricKey,
        build.structure(Tag.SymmetricKey, [
          keyBlock(KeyFormatType.Raw, aesKey, CryptographicAlgorithm.AES, 256),
        ]),
        [
          v1Attribute(attr.algorithm(CryptographicAlgorithm.AES)),
          v1Attribute(attr.length(256)),
          v1Attribute(attr.usage(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt)),
        ],
      ),
    );
    expect(registered.status).toBe(ResultStatus.Success);

    // A private key given to Register (stored sensitive on the token): its bytes logged nowhere.
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const pkcs8 = ec.export({ format: "der", type: "pkcs8" });
    const scalar = Buffer.from(ec.export({ format: "jwk" }).d ?? "", "base64url");
    secrets.privateKey = [...spellings(pkcs8.subarray(pkcs8.length - 40)), ...spellings(scalar)];
    const privateRegistered = await session.call(
      Operation.Register,
      registerPayload(
        ObjectType.PrivateKey,
        build.structure(Tag.PrivateKey, [
          keyBlock(KeyFormatType.PKCS_8, pkcs8, CryptographicAlgorithm.ECDSA, 256),
        ]),
        [v1Attribute(attr.algorithm(CryptographicAlgorithm.ECDSA))],
      ),
    );
    expect(privateRegistered.status).toBe(ResultStatus.Success);
    session.close();

    // Wrong PINs (two: the client is not locked out), then the right one again.
    secrets.wrongPins = WRONG_PINS;
    const client = await KmipTestClient.connect(relay.port);
    const query = (password: string) =>
      requestMessage({
        username: relay.username,
        password,
        items: [{ operation: Operation.Query, payload: [build.enumeration(Tag.QueryFunction, 3)] }],
      });
    for (const pin of WRONG_PINS) {
      expect(firstResult(await client.request(query(pin))).status).toBe(
        ResultStatus.OperationFailed,
      );
    }
    expect(firstResult(await client.request(query(relay.pin))).status).toBe(ResultStatus.Success);
    client.close();
    for (const pin of [relay.pin, ...WRONG_PINS]) {
      const utf8 = Buffer.from(pin, "utf8");
      secrets.pinEncodings = [
        ...(secrets.pinEncodings ?? []),
        utf8.toString("hex"),
        utf8.toString("base64"),
      ];
    }

    await relay.relay.close().catch(() => undefined); // flush: worker output and shutdown lines
    const levels = new Set(relay.logs.map((l) => (JSON.parse(l) as { level: number }).level));
    expect(levels.has(10) || levels.has(20)).toBe(true); // trace/debug lines were written
    expect(relay.logs.length).toBeGreaterThan(10);
    const text = relay.logs.join("\n");
    const leaks = Object.entries(secrets).flatMap(([what, needles]) =>
      needles.filter((n) => n.length >= 4 && text.includes(n)).map((n) => `${what}: ${n}`),
    );
    expect(leaks).toEqual([]);
  });
});
