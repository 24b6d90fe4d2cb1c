/**
 * RNG Seed and Hash over real TLS on SoftHSM2: the seed goes to C_SeedRandom (SoftHSM2 takes
 * it), and C_Digest's digests equal node:crypto's, including the OASIS CS-AC-M-7 vector and
 * the empty message.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashingAlgorithm, Operation, ResultReason } from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { Session } from "./session.js";

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

function hashPayload(algorithm: number, data: Uint8Array) {
  return [
    build.structure(Tag.CryptographicParameters, [
      build.enumeration(Tag.HashingAlgorithm, algorithm),
    ]),
    build.byteString(Tag.Data, data),
  ];
}

describe("RNG Seed", () => {
  it("seeds the token's RNG with all the bytes given (1.4 and 2.1)", async () => {
    const data = Buffer.from(
      "333c06587706225099a67438f263f8f932f64b860c3a7dbb21bc2bd56685d8bc",
      "hex",
    );
    for (const version of [
      { major: 1, minor: 4 },
      { major: 2, minor: 1 },
    ]) {
      const payload = await session.ok(
        Operation.RNGSeed,
        [build.byteString(Tag.Data, data)],
        version,
      );
      expect(findChild(payload, Tag.DataLength)?.value).toBe(32);
    }
    const random = await session.ok(Operation.RNGRetrieve, [build.integer(Tag.DataLength, 16)]);
    expect(findChild(random, Tag.Data)?.value).toHaveLength(16);
  });
});

describe("Hash", () => {
  const vector = Buffer.from("01020304050607080910111213141516", "hex");

  it("answers the OASIS CS-AC-M-7 digests (SHA-256, SHA-512)", async () => {
    const sha256 = await session.ok(Operation.Hash, hashPayload(HashingAlgorithm.SHA_256, vector));
    expect(Buffer.from(findChild(sha256, Tag.Data)?.value as Uint8Array).toString("hex")).toBe(
      "ad41233d22cf9322e3a7ff49a13da434797abed3bab80950a1a0d4e582b7ea72",
    );
    const sha512 = await session.ok(Operation.Hash, hashPayload(HashingAlgorithm.SHA_512, vector));
    expect(Buffer.from(findChild(sha512, Tag.Data)?.value as Uint8Array).toString("hex")).toBe(
      createHash("sha512").update(vector).digest("hex"),
    );
  });

  it.each([
    [HashingAlgorithm.SHA_1, "sha1"],
    [HashingAlgorithm.SHA_224, "sha224"],
    [HashingAlgorithm.SHA_384, "sha384"],
  ] as const)(
    "Hashing Algorithm %i equals node:crypto's %s, also for empty Data",
    async (alg, name) => {
      for (const data of [Buffer.from("hash me on the token"), Buffer.alloc(0)]) {
        const payload = await session.ok(Operation.Hash, hashPayload(alg, data));
        expect(Buffer.from(findChild(payload, Tag.Data)?.value as Uint8Array).toString("hex")).toBe(
          createHash(name).update(data).digest("hex"),
        );
      }
    },
  );

  it("refuses MD5 with Feature Not Supported", async () => {
    const result = await session.call(Operation.Hash, hashPayload(HashingAlgorithm.MD5, vector));
    expect(result.reason).toBe(ResultReason.FeatureNotSupported);
  });
});
