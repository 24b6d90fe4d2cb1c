import { describe, expect, it } from "vitest";
import { HashingAlgorithm, ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { hash } from "../../../src/operations/hash.js";
import { handlerFor } from "../../../src/operations/registry.js";
import { RNG_SEED_MAX_BYTES, rngSeed } from "../../../src/operations/rng-seed.js";
import { CKM, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { argsOf, contextFor, FakeClient, field, payload, rejection } from "./fake.js";

async function kmipFailure(fn: () => Promise<unknown>): Promise<KmipError> {
  const err = await rejection(fn);
  if (!(err instanceof KmipError)) throw err;
  return err;
}

const seed = (bytes: Uint8Array) => payload(build.byteString(Tag.Data, bytes));

describe("RNG Seed", () => {
  it("passes the seed to C_SeedRandom and answers the bytes used", async () => {
    const client = new FakeClient({ seedRandom: (_t, data) => data.length });
    const data = new Uint8Array(32).fill(7);
    const result = await rngSeed.run(seed(data), contextFor(client));
    expect(argsOf(client, "seedRandom")).toEqual(["tok", data]);
    expect(field(result.payload, Tag.DataLength)?.value).toBe(32);
    expect(handlerFor(rngSeed.operation)).toBe(rngSeed);
  });

  it("answers Data Length 0 for an empty seed without calling the token", async () => {
    const client = new FakeClient();
    const result = await rngSeed.run(seed(new Uint8Array(0)), contextFor(client));
    expect(field(result.payload, Tag.DataLength)?.value).toBe(0);
    expect(client.callsOf("seedRandom")).toHaveLength(0);
  });

  it("a token that takes no seed is Permission Denied; other failures pass through", async () => {
    for (const ckr of [CKR.RANDOM_SEED_NOT_SUPPORTED, CKR.FUNCTION_NOT_SUPPORTED]) {
      const client = new FakeClient({
        seedRandom: () => {
          throw new Pkcs11Error(ckr, "C_SeedRandom");
        },
      });
      const err = await kmipFailure(() => rngSeed.run(seed(new Uint8Array(8)), contextFor(client)));
      expect(err.reason).toBe(ResultReason.PermissionDenied);
      expect(err.message).toMatch(/does not accept seeding/);
    }
    const broken = new FakeClient({
      seedRandom: () => {
        throw new Pkcs11Error(CKR.DEVICE_ERROR, "C_SeedRandom");
      },
    });
    const err = await rejection(() => rngSeed.run(seed(new Uint8Array(8)), contextFor(broken)));
    expect(err).toBeInstanceOf(Pkcs11Error);
  });

  it("refuses a missing or oversized seed", async () => {
    const client = new FakeClient();
    expect((await kmipFailure(() => rngSeed.run(payload(), contextFor(client)))).reason).toBe(
      ResultReason.MissingData,
    );
    const big = await kmipFailure(() =>
      rngSeed.run(seed(new Uint8Array(RNG_SEED_MAX_BYTES + 1)), contextFor(client)),
    );
    expect(big.reason).toBe(ResultReason.InvalidField);
    expect(client.callsOf("seedRandom")).toHaveLength(0);
  });
});

function hashRequest(algorithm: number | undefined, extra: TtlvItem[] = []) {
  const params =
    algorithm === undefined ? [] : [build.enumeration(Tag.HashingAlgorithm, algorithm)];
  return payload(
    build.structure(Tag.CryptographicParameters, params),
    build.byteString(Tag.Data, new Uint8Array([1, 2, 3])),
    ...extra,
  );
}

describe("Hash", () => {
  it.each([
    [HashingAlgorithm.SHA_1, CKM.SHA_1],
    [HashingAlgorithm.SHA_256, CKM.SHA256],
    [HashingAlgorithm.SHA_512, CKM.SHA512],
  ])("Hashing Algorithm %i -> C_Digest with mechanism %i, the digest as Data", async (alg, ckm) => {
    const digest = new Uint8Array([9, 9]);
    const client = new FakeClient({ digest: () => digest });
    const result = await hash.run(hashRequest(alg), contextFor(client));
    expect(argsOf(client, "digest")).toEqual(["tok", { type: ckm }, new Uint8Array([1, 2, 3])]);
    expect(field(result.payload, Tag.Data)?.value).toEqual(digest);
  });

  it("single-part Init and Final Indicators both true are accepted", async () => {
    const client = new FakeClient({ digest: () => new Uint8Array(32) });
    const both = [build.boolean(Tag.InitIndicator, true), build.boolean(Tag.FinalIndicator, true)];
    await hash.run(hashRequest(HashingAlgorithm.SHA_256, both), contextFor(client));
    expect(client.callsOf("digest")).toHaveLength(1);
  });

  it("refuses no Hashing Algorithm, MD5, and multi-part requests, without a token call", async () => {
    const client = new FakeClient();
    const run = (p: ReturnType<typeof payload>) =>
      kmipFailure(() => hash.run(p, contextFor(client)));
    expect((await run(hashRequest(undefined))).reason).toBe(ResultReason.MissingData);
    const md5 = await run(hashRequest(HashingAlgorithm.MD5));
    expect(md5.reason).toBe(ResultReason.FeatureNotSupported);
    expect(md5.message).toMatch(/MD5/);
    const init = await run(
      hashRequest(HashingAlgorithm.SHA_256, [build.boolean(Tag.InitIndicator, true)]),
    );
    expect(init.reason).toBe(ResultReason.FeatureNotSupported);
    const corr = await run(
      hashRequest(HashingAlgorithm.SHA_256, [
        build.byteString(Tag.CorrelationValue, new Uint8Array(4)),
      ]),
    );
    expect(corr.message).toMatch(/multi-part/);
    expect(client.callsOf("digest")).toHaveLength(0);
  });
});
