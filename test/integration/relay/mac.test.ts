/**
 * MAC, MAC Verify and RNG Retrieve over real TLS on SoftHSM2 (KMIP 1.4 sections 4.33-4.35):
 * HMAC-SHA256/384/512 checked against node:crypto on an exportable key, MAC Verify's
 * Validity Indicator for right and wrong MACs, the HMAC taken from the key when the request
 * names none, random bytes of the asked length and the 64 KiB bound.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  HashingAlgorithm,
  Operation,
  ResultReason,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import {
  bytesField,
  createSecret,
  EXPORTABLE,
  keyBytesOf,
  macPayload,
  SECRET_KINDS,
} from "./cipher-requests.js";
import { KEY_KINDS, Session } from "./session.js";

let relay: TestRelay;
let session: Session;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 1 });
  session = await Session.open(relay);
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

const data = Buffer.from("to be authenticated");

function params(algorithm?: number, hash?: number) {
  const items = [];
  if (algorithm !== undefined) items.push(build.enumeration(Tag.CryptographicAlgorithm, algorithm));
  if (hash !== undefined) items.push(build.enumeration(Tag.HashingAlgorithm, hash));
  return build.structure(Tag.CryptographicParameters, items);
}

async function macOf(uid: string, input: Buffer, p?: ReturnType<typeof params>): Promise<Buffer> {
  const payload = await session.ok(Operation.MAC, macPayload(uid, input, undefined, p));
  expect(findChild(payload, Tag.UniqueIdentifier)?.value).toBe(uid);
  const mac = bytesField(payload, Tag.MACData);
  if (mac === undefined) throw new Error("MAC response without MAC Data");
  return mac;
}

async function validity(uid: string, input: Buffer | undefined, mac: Buffer): Promise<unknown> {
  const payload = await session.ok(Operation.MACVerify, macPayload(uid, input, mac));
  return findChild(payload, Tag.ValidityIndicator)?.value;
}

describe("MAC and MAC Verify", () => {
  it.each([
    ["HMAC_SHA256", SECRET_KINDS.hmac256, "sha256", HashingAlgorithm.SHA_256],
    ["HMAC_SHA384", SECRET_KINDS.hmac384, "sha384", HashingAlgorithm.SHA_384],
    ["HMAC_SHA512", SECRET_KINDS.hmac512, "sha512", HashingAlgorithm.SHA_512],
  ] as const)(
    "computes %s as node:crypto does, with or without parameters",
    async (name, kind, hash, hashing) => {
      const uid = await createSecret(session, [...kind, ...EXPORTABLE]);
      const expected = createHmac(hash, await keyBytesOf(session, uid))
        .update(data)
        .digest();
      expect((await macOf(uid, data)).equals(expected)).toBe(true);
      const algorithm = CryptographicAlgorithm[name];
      expect((await macOf(uid, data, params(algorithm))).equals(expected)).toBe(true);
      expect((await macOf(uid, data, params(undefined, hashing))).equals(expected)).toBe(true);
    },
  );

  it("verifies: Valid for the right MAC, Invalid for a changed MAC, message or length", async () => {
    const uid = await createSecret(session, SECRET_KINDS.hmac256, "v2");
    const mac = await macOf(uid, data);
    expect(await validity(uid, data, mac)).toBe(ValidityIndicator.Valid);
    const flipped = Buffer.from(mac);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(await validity(uid, data, flipped)).toBe(ValidityIndicator.Invalid);
    expect(await validity(uid, Buffer.from("other"), mac)).toBe(ValidityIndicator.Invalid);
    expect(await validity(uid, data, mac.subarray(0, 16))).toBe(ValidityIndicator.Invalid);
  });

  it("requires Data for MAC Verify and refuses a key-pair half with Illegal Operation", async () => {
    const uid = await createSecret(session, SECRET_KINDS.hmac256);
    const noData = await session.call(
      Operation.MACVerify,
      macPayload(uid, undefined, Buffer.alloc(32)),
    );
    expect(noData.reason).toBe(ResultReason.MissingData);
    expect(noData.message).toMatch(/Data/);
    const { privateUid } = await session.createKeyPair({ common: KEY_KINDS.p256 });
    const pair = await session.call(Operation.MAC, macPayload(privateUid, data));
    expect(pair.reason).toBe(ResultReason.IllegalOperation);
  });

  it("says which HMAC the key is for when the request names another", async () => {
    const uid = await createSecret(session, SECRET_KINDS.hmac512);
    const result = await session.call(
      Operation.MAC,
      macPayload(uid, data, undefined, params(CryptographicAlgorithm.HMAC_SHA256)),
    );
    expect(result.reason).toBe(ResultReason.InvalidField);
    expect(result.message).toMatch(/HMAC_SHA256 asked for, but the key is for HMAC_SHA512/);
  });

  it("takes CMAC for an AES key, which its usage (Encrypt|Decrypt by default) must allow", async () => {
    const uid = await createSecret(session, SECRET_KINDS.aes128);
    const result = await session.call(Operation.MAC, macPayload(uid, data));
    expect(result.reason).toBe(ResultReason.PermissionDenied);
    expect(result.message).toMatch(/usage does not allow this \(C_SignInit/);
  });
});

describe("RNG Retrieve", () => {
  async function random(length: number) {
    return session.call(Operation.RNGRetrieve, [build.integer(Tag.DataLength, length)]);
  }

  it("returns exactly Data Length random bytes, different each time", async () => {
    const seen = new Set<string>();
    for (const length of [1, 16, 32, 1000, 65_536]) {
      const result = await random(length);
      const bytes = bytesField(result.payload, Tag.Data);
      expect(bytes?.length).toBe(length);
      seen.add(bytes?.toString("hex") ?? "");
    }
    expect(seen.size).toBe(5);
    const a = bytesField((await random(32)).payload, Tag.Data);
    const b = bytesField((await random(32)).payload, Tag.Data);
    expect(a?.equals(b ?? Buffer.alloc(0))).toBe(false);
  });

  it("refuses more than 64 KiB, zero and negative lengths with Invalid Field naming the limit", async () => {
    for (const length of [65_537, 1 << 30, 0, -1]) {
      const result = await random(length);
      expect(result.reason, String(length)).toBe(ResultReason.InvalidField);
      expect(result.message).toMatch(/Data Length .* 1-65536/);
    }
    const missing = await session.call(Operation.RNGRetrieve, []);
    expect(missing.reason).toBe(ResultReason.MissingData);
  });
});
