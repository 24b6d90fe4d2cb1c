/**
 * The key lifecycle through the handlers on a fresh SoftHSM2 token: the attributes the
 * generated keys really have, Modify Attribute (label read back), Activate, Revoke, Destroy
 * (then Item Not Found), Query and Discover Versions, and the errors a client sees.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  Operation,
  QueryFunction,
  ResultReason,
} from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { refOf } from "../../../src/operations/uid.js";
import { CKA } from "../../../src/pkcs11/constants.js";
import type { SupervisedPkcs11Client } from "../../../src/pkcs11/supervisor.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { openTokenClient, type SoftHsmToken } from "../../helpers/softhsm.js";
import { call, failure, fieldOf } from "./harness.js";

let hsm: SoftHsmToken;
let client: SupervisedPkcs11Client;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ hsm, client, close } = await openTokenClient("ops-lifecycle", "1234"));
});

afterAll(async () => {
  await close?.();
});

const run = (op: number, fields: TtlvItem[], version = { major: 1, minor: 4 }) =>
  call(client, hsm.label, op, fields, version);
const uidItem = (uid: string) => build.textString(Tag.UniqueIdentifier, uid);
const nameValue = (text: string) =>
  build.structure(Tag.Name, [
    build.textString(Tag.NameValue, text),
    build.enumeration(Tag.NameType, 1),
  ]);

/** A P-256 pair named `name` (2.x form). */
async function ecPair(name: string) {
  const out = await run(
    Operation.CreateKeyPair,
    [
      build.structure(Tag.CommonAttributes, [
        build.enumeration(Tag.CryptographicAlgorithm, A.ECDSA),
        build.integer(Tag.CryptographicLength, 256),
        nameValue(name),
      ]),
    ],
    { major: 2, minor: 0 },
  );
  return {
    priv: fieldOf(out, Tag.PrivateKeyUniqueIdentifier) as string,
    pub: fieldOf(out, Tag.PublicKeyUniqueIdentifier) as string,
  };
}

async function label(uid: string): Promise<string> {
  const values = await client.getAttributes(hsm.label, refOf(uid), [CKA.LABEL]);
  return Buffer.from(values.get(CKA.LABEL) ?? []).toString("utf8");
}

const bool = (bytes: Uint8Array | null | undefined) => bytes?.[0] === 1;

describe("generated keys", () => {
  it("are token keys; the private one private, sensitive, not extractable", async () => {
    const { priv, pub } = await ecPair("attrs");
    const types = [CKA.TOKEN, CKA.PRIVATE, CKA.SENSITIVE, CKA.EXTRACTABLE, CKA.SIGN, CKA.LABEL];
    const p = await client.getAttributes(hsm.label, refOf(priv), types);
    expect(bool(p.get(CKA.TOKEN))).toBe(true);
    expect(bool(p.get(CKA.PRIVATE))).toBe(true);
    expect(bool(p.get(CKA.SENSITIVE))).toBe(true);
    expect(bool(p.get(CKA.EXTRACTABLE))).toBe(false);
    expect(bool(p.get(CKA.SIGN))).toBe(true);
    const q = await client.getAttributes(hsm.label, refOf(pub), [CKA.TOKEN, CKA.VERIFY]);
    expect(bool(q.get(CKA.TOKEN))).toBe(true);
    expect(bool(q.get(CKA.VERIFY))).toBe(true);
    expect(await label(priv)).toBe("attrs");
    expect(await label(pub)).toBe("attrs");
  });

  it("Get of a private key: Permission Denied", async () => {
    const { priv } = await ecPair("no-export");
    const err = await failure(run(Operation.Get, [uidItem(priv)]));
    expect(err.reason).toBe(ResultReason.PermissionDenied);
  });
});

describe("Modify Attribute", () => {
  it("1.x form renames the key (CKA_LABEL read back) and echoes the Attribute", async () => {
    const { priv } = await ecPair("before");
    const attribute = build.structure(Tag.Attribute, [
      build.textString(Tag.AttributeName, "Name"),
      { ...nameValue("after"), tag: Tag.AttributeValue },
    ]);
    const out = await run(Operation.ModifyAttribute, [uidItem(priv), attribute]);
    expect(out).toEqual([uidItem(priv), attribute]);
    expect(await label(priv)).toBe("after");
  });

  it("2.x form renames the public key, checking Current Attribute", async () => {
    const { pub } = await ecPair("v2-before");
    const v2 = { major: 2, minor: 1 };
    const fields = (current: string) => [
      uidItem(pub),
      build.structure(Tag.CurrentAttribute, [nameValue(current)]),
      build.structure(Tag.NewAttribute, [nameValue("v2-after")]),
    ];
    const wrong = await failure(run(Operation.ModifyAttribute, fields("not-it"), v2));
    expect(wrong.reason).toBe(ResultReason.AttributeInstanceNotFound);
    expect(await label(pub)).toBe("v2-before");
    expect(await run(Operation.ModifyAttribute, fields("v2-before"), v2)).toEqual([uidItem(pub)]);
    expect(await label(pub)).toBe("v2-after");
  });
});

describe("Activate, Revoke, Destroy", () => {
  it("Activate and Revoke succeed for existing keys, Item Not Found otherwise", async () => {
    const { priv, pub } = await ecPair("lifecycle");
    const reason = build.structure(Tag.RevocationReason, [
      build.enumeration(Tag.RevocationReasonCode, 5),
    ]);
    expect(await run(Operation.Activate, [uidItem(priv)])).toEqual([uidItem(priv)]);
    expect(await run(Operation.Revoke, [uidItem(pub), reason])).toEqual([uidItem(pub)]);
    const unknown = `${randomBytes(20).toString("hex").toUpperCase()}_priv`;
    for (const op of [Operation.Activate, Operation.Revoke]) {
      const err = await failure(run(op, [uidItem(unknown), reason]));
      expect(err.reason).toBe(ResultReason.ItemNotFound);
    }
    expect((await failure(run(Operation.Activate, [uidItem("not-hex")]))).reason).toBe(
      ResultReason.ItemNotFound,
    );
  });

  it("Destroy removes the private then the public key; then Item Not Found", async () => {
    const { priv, pub } = await ecPair("doomed");
    expect(await run(Operation.Destroy, [uidItem(priv)])).toEqual([uidItem(priv)]);
    const sign = [uidItem(priv), build.byteString(Tag.Data, new Uint8Array([1, 2, 3]))];
    expect((await failure(run(Operation.Sign, sign))).reason).toBe(ResultReason.ItemNotFound);
    await run(Operation.Get, [uidItem(pub)]); // the public key is still there
    expect(await run(Operation.Destroy, [uidItem(pub)])).toEqual([uidItem(pub)]);
    expect((await failure(run(Operation.Get, [uidItem(pub)]))).reason).toBe(
      ResultReason.ItemNotFound,
    );
    expect((await failure(run(Operation.Destroy, [uidItem(pub)]))).reason).toBe(
      ResultReason.ItemNotFound,
    );
  });
});

describe("Query and Discover Versions", () => {
  it("Query reports operations, objects and the token in Vendor Identification", async () => {
    const fn = (f: number) => build.enumeration(Tag.QueryFunction, f);
    const out = await run(Operation.Query, [
      fn(QueryFunction.QueryOperations),
      fn(QueryFunction.QueryObjects),
      fn(QueryFunction.QueryServerInformation),
    ]);
    const ops = out.filter((i) => i.tag === Tag.Operation).map((i) => i.value);
    expect(ops).toContain(Operation.Sign);
    expect(ops).toContain(Operation.CreateKeyPair);
    const vendor = fieldOf(out, Tag.VendorIdentification) as string;
    expect(vendor).toContain("kmip2pkcs11");
    expect(vendor).toContain("ops-lifecycle");
    expect(vendor).toContain("SoftHSM");
  });

  it("Query Operations works without a token; Discover Versions too", async () => {
    const out = await call(client, undefined, Operation.Query, [
      build.enumeration(Tag.QueryFunction, QueryFunction.QueryOperations),
    ]);
    expect(out.length).toBeGreaterThan(5);
    const pv = (major: number, minor: number) =>
      build.structure(Tag.ProtocolVersion, [
        build.integer(Tag.ProtocolVersionMajor, major),
        build.integer(Tag.ProtocolVersionMinor, minor),
      ]);
    const versions = await call(client, undefined, Operation.DiscoverVersions, [
      pv(1, 4),
      pv(3, 0),
      pv(1, 2),
    ]);
    expect(versions).toEqual([pv(1, 4), pv(1, 2)]);
  });
});

describe("errors from the token", () => {
  it("maps a key type that does not fit the algorithm (ECDSA key, RSA parameters)", async () => {
    const { priv } = await ecPair("mismatch");
    const err = await failure(
      run(Operation.Sign, [
        uidItem(priv),
        build.structure(Tag.CryptographicParameters, [
          build.enumeration(Tag.CryptographicAlgorithm, A.RSA),
        ]),
        build.byteString(Tag.Data, new Uint8Array([1])),
      ]),
    );
    expect(err.reason).toBe(ResultReason.InvalidField);
    expect(err.message).toContain("ask for RSA but the key is EC");
  });
});
