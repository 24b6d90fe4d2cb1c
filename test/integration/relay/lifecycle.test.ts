/**
 * The other operations over real TLS: Activate, Revoke, Modify Attribute (Name, in the 1.x
 * and 2.x forms), Destroy, Query, Discover Versions. Label changes and destruction are
 * checked on the token with pkcs11-tool, apart from the relay.
 */
import { describe, expect, it } from "vitest";
import {
  ObjectType,
  Operation,
  QueryFunction,
  ResultReason,
  ResultStatus,
  RevocationReasonCode,
} from "../../../src/kmip/enums.js";
import { build, findChild, findChildren } from "../../../src/kmip/item.js";
import type { ProtocolVersion } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { relaySession } from "./relay-session.js";
import { attr, KEY_KINDS, signPayload, uidPayload, v1Attribute } from "./session.js";
import { findTokenObject } from "./token-objects.js";

const fixture = relaySession({ workers: 2 });

const V1_0: ProtocolVersion = { major: 1, minor: 0 };
const V2_1: ProtocolVersion = { major: 2, minor: 1 };
const UNKNOWN = `${"5A".repeat(20)}_priv`;
const idOf = (uid: string) => uid.replace(/_(priv|pub)$/, "");

function revokePayload(uid: string): TtlvItem[] {
  return [
    ...uidPayload(uid),
    build.structure(Tag.RevocationReason, [
      build.enumeration(Tag.RevocationReasonCode, RevocationReasonCode.CessationOfOperation),
      build.textString(Tag.RevocationMessage, "key rolled"),
    ]),
  ];
}

async function expectFailure(
  operation: number,
  payload: TtlvItem[],
  reason: number,
  version?: ProtocolVersion,
) {
  const result = await fixture.session.call(operation, payload, version);
  expect(result.status).toBe(ResultStatus.OperationFailed);
  expect(result.reason).toBe(reason);
  expect(result.operation).toBe(operation);
}

describe("Activate and Revoke", () => {
  it("succeed on both keys of a pair and echo the UID; Item Not Found on unknown", async () => {
    const { privateUid, publicUid } = await fixture.session.createKeyPair({
      common: KEY_KINDS.p256,
    });
    for (const uid of [privateUid, publicUid]) {
      const activated = await fixture.session.ok(Operation.Activate, uidPayload(uid));
      expect(findChild(activated, Tag.UniqueIdentifier)?.value).toBe(uid);
      const revoked = await fixture.session.ok(Operation.Revoke, revokePayload(uid));
      expect(findChild(revoked, Tag.UniqueIdentifier)?.value).toBe(uid);
    }
    await expectFailure(Operation.Activate, uidPayload(UNKNOWN), ResultReason.ItemNotFound);
    await expectFailure(Operation.Revoke, revokePayload(UNKNOWN), ResultReason.ItemNotFound);
  });
});

describe("Modify Attribute (Name)", () => {
  const label = (uid: string, kind: "Private Key Object" | "Public Key Object") =>
    findTokenObject(fixture.relay, idOf(uid), kind)?.label;

  it("1.x form: sets the label and echoes Unique Identifier and Attribute", async () => {
    const { privateUid, publicUid } = await fixture.session.createKeyPair({
      common: KEY_KINDS.rsa2048,
      private: [attr.name("before")],
    });
    const payload = await fixture.session.ok(Operation.ModifyAttribute, [
      ...uidPayload(privateUid),
      v1Attribute(attr.name("after 1.x")),
    ]);
    expect(findChild(payload, Tag.UniqueIdentifier)?.value).toBe(privateUid);
    const echoed = findChild(payload, Tag.Attribute);
    expect(echoed && findChild(echoed, Tag.AttributeName)?.value).toBe("Name");
    const value = echoed && findChild(echoed, Tag.AttributeValue);
    expect(value && findChild(value, Tag.NameValue)?.value).toBe("after 1.x");
    expect(label(privateUid, "Private Key Object")).toBe("after 1.x");
    // The same form under a 1.0 header, on the public key.
    await fixture.session.ok(
      Operation.ModifyAttribute,
      [...uidPayload(publicUid), v1Attribute(attr.name("public 1.0"))],
      V1_0,
    );
    expect(label(publicUid, "Public Key Object")).toBe("public 1.0");
  });

  it("2.x form: New Attribute sets the label; a stale Current Attribute is refused", async () => {
    const { publicUid } = await fixture.session.createKeyPair({
      common: KEY_KINDS.ed25519,
      public: [attr.name("first")],
    });
    const holder = (tag: number, name: string) => build.structure(tag, [attr.name(name).item]);
    const payload = await fixture.session.ok(
      Operation.ModifyAttribute,
      [...uidPayload(publicUid), holder(Tag.NewAttribute, "second")],
      V2_1,
    );
    expect(findChild(payload, Tag.UniqueIdentifier)?.value).toBe(publicUid);
    expect(label(publicUid, "Public Key Object")).toBe("second");
    await expectFailure(
      Operation.ModifyAttribute,
      [
        ...uidPayload(publicUid),
        holder(Tag.CurrentAttribute, "first"),
        holder(Tag.NewAttribute, "never"),
      ],
      ResultReason.AttributeInstanceNotFound,
      V2_1,
    );
    expect(label(publicUid, "Public Key Object")).toBe("second");
    await fixture.session.ok(
      Operation.ModifyAttribute,
      [
        ...uidPayload(publicUid),
        holder(Tag.CurrentAttribute, "second"),
        holder(Tag.NewAttribute, "third"),
      ],
      V2_1,
    );
    expect(label(publicUid, "Public Key Object")).toBe("third");
  });

  it("refuses other attributes and unknown keys", async () => {
    const { privateUid } = await fixture.session.createKeyPair({ common: KEY_KINDS.p256 });
    const usage = v1Attribute(attr.usage(1));
    await expectFailure(
      Operation.ModifyAttribute,
      [...uidPayload(privateUid), usage],
      ResultReason.PermissionDenied,
    );
    await expectFailure(
      Operation.ModifyAttribute,
      [...uidPayload(UNKNOWN), v1Attribute(attr.name("x"))],
      ResultReason.ItemNotFound,
    );
  });
});

describe("Destroy", () => {
  it("destroys the private key, then the public key; both are gone after", async () => {
    const { privateUid, publicUid } = await fixture.session.createKeyPair({
      common: KEY_KINDS.p256,
    });
    for (const uid of [privateUid, publicUid]) {
      // An Active key is revoked first (KMIP 1.4 section 3.22; Cascade does the same).
      await fixture.session.ok(Operation.Revoke, revokePayload(uid));
      const payload = await fixture.session.ok(Operation.Destroy, uidPayload(uid));
      expect(findChild(payload, Tag.UniqueIdentifier)?.value).toBe(uid);
    }
    const NF = ResultReason.ItemNotFound;
    await expectFailure(Operation.Get, uidPayload(publicUid), NF);
    await expectFailure(Operation.Sign, signPayload(privateUid, { data: Buffer.from("x") }), NF);
    await expectFailure(Operation.Destroy, uidPayload(privateUid), NF);
    // A destroyed key's lifecycle record remains: Activate is a wrong transition (1.x reason).
    await expectFailure(Operation.Activate, uidPayload(publicUid), ResultReason.PermissionDenied);
    expect(findTokenObject(fixture.relay, idOf(privateUid), "Private Key Object")).toBeUndefined();
    expect(findTokenObject(fixture.relay, idOf(publicUid), "Public Key Object")).toBeUndefined();
  });

  // Regression: a bug this test found in the relay (fixed in f6601d6).
  it("logs a missing key as the client's mistake, not as an internal error", async () => {
    const before = fixture.relay.logs.length;
    await expectFailure(
      Operation.Get,
      uidPayload(UNKNOWN.replace("_priv", "_pub")),
      ResultReason.ItemNotFound,
    );
    await expectFailure(Operation.Destroy, uidPayload(UNKNOWN), ResultReason.ItemNotFound);
    const levels = fixture.relay.logs
      .slice(before)
      .map((l) => (JSON.parse(l) as { level: number }).level);
    expect(levels.length).toBeGreaterThan(0);
    expect(Math.max(...levels)).toBeLessThan(50);
  });
});

describe("Query", () => {
  it("lists the relay's operations and objects, and describes relay, token and library", async () => {
    const payload = await fixture.session.ok(Operation.Query, [
      build.enumeration(Tag.QueryFunction, QueryFunction.QueryOperations),
      build.enumeration(Tag.QueryFunction, QueryFunction.QueryObjects),
      build.enumeration(Tag.QueryFunction, QueryFunction.QueryServerInformation),
    ]);
    // The operations this file and its siblings exercise; every one listed is answered
    // (checked below), so the list may hold more as the relay grows.
    const operations = findChildren(payload, Tag.Operation).map((o) => o.value);
    expect(operations).toEqual(
      expect.arrayContaining([
        Operation.DiscoverVersions,
        Operation.Query,
        Operation.CreateKeyPair,
        Operation.Get,
        Operation.Activate,
        Operation.ModifyAttribute,
        Operation.Sign,
        Operation.Revoke,
        Operation.Destroy,
      ]),
    );
    const objects = findChildren(payload, Tag.ObjectType).map((o) => o.value);
    expect(objects).toEqual(expect.arrayContaining([ObjectType.PublicKey, ObjectType.PrivateKey]));
    const vendor = findChild(payload, Tag.VendorIdentification)?.value as string;
    expect(vendor).toContain("kmip2pkcs11");
    expect(vendor).toContain(fixture.relay.username);
    expect(vendor).toContain("/usr/lib/softhsm/libsofthsm2.so");
    expect(vendor).toMatch(/SoftHSM/i);
    expect(findChild(payload, Tag.ServerInformation)?.type).toBe("Structure");
  });

  it("lists exactly the operations it answers: each listed one is handled, others are not", async () => {
    const payload = await fixture.session.ok(Operation.Query, [
      build.enumeration(Tag.QueryFunction, QueryFunction.QueryOperations),
    ]);
    const listed = new Set(findChildren(payload, Tag.Operation).map((o) => o.value as number));
    // Every operation value of KMIP 1.0-1.4 (1..0x2F) and 2.x (0x30..0x39), sent with an empty payload.
    for (let operation = 1; operation <= 0x39; operation++) {
      const result = await fixture.session.call(operation, []);
      const handled = result.reason !== ResultReason.OperationNotSupported;
      expect(handled, `operation 0x${operation.toString(16)}`).toBe(listed.has(operation));
    }
  });

  it("answers a 1.0 Query with only the functions asked for", async () => {
    const ask = [build.enumeration(Tag.QueryFunction, QueryFunction.QueryOperations)];
    const payload = await fixture.session.ok(Operation.Query, ask, V1_0);
    const operations = findChildren(payload, Tag.Operation).map((o) => o.value);
    expect(operations).toContain(Operation.Sign);
    expect(findChildren(payload, Tag.ObjectType)).toEqual([]);
    expect(findChild(payload, Tag.VendorIdentification)).toBeUndefined();
  });
});

describe("Discover Versions", () => {
  const versionsOf = (payload: TtlvItem) =>
    findChildren(payload, Tag.ProtocolVersion).map(
      (v) =>
        `${findChild(v, Tag.ProtocolVersionMajor)?.value}.${findChild(v, Tag.ProtocolVersionMinor)?.value}`,
    );
  const offer = (...versions: [number, number][]) =>
    versions.map(([major, minor]) =>
      build.structure(Tag.ProtocolVersion, [
        build.integer(Tag.ProtocolVersionMajor, major),
        build.integer(Tag.ProtocolVersionMinor, minor),
      ]),
    );

  it("answers the versions both sides speak, in the client's order", async () => {
    const discover = (payload: TtlvItem[]) =>
      fixture.session.ok(Operation.DiscoverVersions, payload);
    expect(versionsOf(await discover(offer([2, 1], [1, 4], [3, 0], [1, 0])))).toEqual([
      "2.1",
      "1.4",
      "1.0",
    ]);
    expect(versionsOf(await discover(offer([1, 0], [2, 1], [1, 2])))).toEqual([
      "1.0",
      "2.1",
      "1.2",
    ]);
    expect(versionsOf(await discover(offer([9, 9])))).toEqual([]);
    expect(versionsOf(await discover([]))).toEqual([
      "2.1",
      "2.0",
      "1.4",
      "1.3",
      "1.2",
      "1.1",
      "1.0",
    ]);
  });
});
