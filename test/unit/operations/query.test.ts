import { describe, expect, it } from "vitest";
import { ObjectType, Operation, QueryFunction, ResultReason } from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { discoverVersions } from "../../../src/operations/discover-versions.js";
import { handlerFor, operations } from "../../../src/operations/registry.js";
import type { LibraryInfo, SlotInfo, TokenInfo } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { contextFor, FakeClient, payload, rejection } from "./fake.js";

const v = (major: number, minor: number) =>
  build.structure(Tag.ProtocolVersion, [
    build.integer(Tag.ProtocolVersionMajor, major),
    build.integer(Tag.ProtocolVersionMinor, minor),
  ]);

describe("Discover Versions", () => {
  it("lists every supported version, newest first, when the client lists none", async () => {
    const result = await discoverVersions.run(payload(), contextFor(new FakeClient()));
    expect(result.payload).toEqual([v(2, 1), v(2, 0), v(1, 4), v(1, 3), v(1, 2), v(1, 1), v(1, 0)]);
  });

  it("intersects with the client's list, in the client's order", async () => {
    const req = payload(v(1, 0), v(3, 0), v(1, 2), v(2, 1), v(1, 5));
    const result = await discoverVersions.run(
      req,
      contextFor(new FakeClient(), { token: undefined }),
    );
    expect(result.payload).toEqual([v(1, 0), v(1, 2), v(2, 1)]);
  });

  it("answers nothing when nothing is common, and needs no token", async () => {
    const result = await discoverVersions.run(payload(v(9, 9)), contextFor(new FakeClient()));
    expect(result.payload).toEqual([]);
    expect(discoverVersions.needsToken).toBe(false);
  });
});

const version = { major: 2, minor: 40 };
const slot: SlotInfo = {
  slotId: "1234567",
  index: 0,
  description: "SoftHSM slot ID 0x12d687",
  manufacturerId: "SoftHSM project",
  flags: 1,
  hardwareVersion: version,
  firmwareVersion: version,
};
const tokenInfo: TokenInfo = {
  label: "zone-signer",
  manufacturerId: "SoftHSM project",
  model: "SoftHSM v2",
  serialNumber: "abc123",
  flags: 0,
  minPinLen: 4,
  maxPinLen: 255,
  hardwareVersion: version,
  firmwareVersion: version,
};
const library: LibraryInfo = {
  cryptokiVersion: { major: 2, minor: 40 },
  manufacturerId: "SoftHSM",
  libraryDescription: "Implementation of PKCS11",
  libraryVersion: { major: 2, minor: 6 },
  flags: 0,
};
const fn = (f: number) => build.enumeration(Tag.QueryFunction, f);
const query = handlerFor(Operation.Query);

function client() {
  return new FakeClient({
    tokenInfo: () => ({ slot, token: tokenInfo }),
    libraryInfo: () => library,
  });
}

describe("Query", () => {
  it("lists operations and objects without a token or PKCS#11 call", async () => {
    const fake = client();
    const req = payload(fn(QueryFunction.QueryOperations), fn(QueryFunction.QueryObjects));
    const result = await query?.run(req, contextFor(fake, { token: undefined }));
    const ops = result?.payload.filter((i) => i.tag === Tag.Operation).map((i) => i.value);
    expect(ops).toEqual([...operations.keys()].sort((a, b) => a - b));
    expect(ops).toEqual(
      expect.arrayContaining([
        Operation.CreateKeyPair,
        Operation.Get,
        Operation.ModifyAttribute,
        Operation.Activate,
        Operation.Revoke,
        Operation.Destroy,
        Operation.Query,
        Operation.DiscoverVersions,
        Operation.Sign,
      ]),
    );
    const types = result?.payload.filter((i) => i.tag === Tag.ObjectType).map((i) => i.value);
    expect(types).toEqual([ObjectType.PublicKey, ObjectType.PrivateKey, ObjectType.SymmetricKey]);
    expect(fake.calls).toHaveLength(0);
    expect(query?.needsToken).toBe(false);
  });

  it("names relay, token and library in Vendor Identification", async () => {
    const fake = client();
    const result = await query?.run(
      payload(fn(QueryFunction.QueryServerInformation)),
      contextFor(fake),
    );
    const vendor = result?.payload.find((i: TtlvItem) => i.tag === Tag.VendorIdentification);
    for (const part of ["kmip2pkcs11 9.9.9", "zone-signer", "/lib/libfake.so", "SoftHSM", "2.6"]) {
      expect(vendor?.value).toContain(part);
    }
    expect(result?.payload.some((i) => i.tag === Tag.ServerInformation)).toBe(true);
    expect(fake.callsOf("tokenInfo")[0]?.args).toEqual(["tok"]);
  });

  it("needs the token for Server Information", async () => {
    const err = await rejection(async () =>
      query?.run(
        payload(fn(QueryFunction.QueryServerInformation)),
        contextFor(client(), { token: undefined }),
      ),
    );
    expect((err as KmipError).reason).toBe(ResultReason.AuthenticationNotSuccessful);
  });

  it("answers other query functions with nothing", async () => {
    const result = await query?.run(payload(fn(QueryFunction.QueryProfiles)), contextFor(client()));
    expect(result?.payload).toEqual([]);
  });

  it("names a Query Function of the wrong type", async () => {
    const err = await rejection(async () =>
      query?.run(payload(build.integer(Tag.QueryFunction, 1)), contextFor(client())),
    );
    expect((err as KmipError).reason).toBe(ResultReason.InvalidField);
    expect((err as KmipError).message).toContain("Query Function");
  });
});

describe("registry", () => {
  it("has one handler per operation, keyed by its own value", () => {
    expect(operations.size).toBe(25); // registry.ts lists 25 handlers: none shares a value
    for (const [op, handler] of operations) expect(handler.operation).toBe(op);
    expect(handlerFor(Operation.Certify)).toBeUndefined();
  });
});
