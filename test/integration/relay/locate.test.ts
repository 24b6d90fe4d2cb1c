/**
 * Locate over real TLS on SoftHSM2: finds what Create Key Pair made, by Name, Object Type,
 * Cryptographic Algorithm and Length, with Maximum Items and Offset Items, 1.x and 2.x forms.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  ObjectType,
  Operation,
  RecommendedCurve,
  ResultReason,
} from "../../../src/kmip/enums.js";
import { build, findChild, findChildren } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { type Attr, attr, KEY_KINDS, Session, v1Attribute } from "./session.js";

let relay: TestRelay;
let session: Session;
const pairs: { privateUid: string; publicUid: string }[] = [];
beforeAll(async () => {
  relay = await startTestRelay({ workers: 1 });
  session = await Session.open(relay);
  pairs.push(await session.createKeyPair({ common: [...KEY_KINDS.p256, attr.name("loc-ec")] }));
  pairs.push(await session.createKeyPair({ common: [...KEY_KINDS.p384, attr.name("loc-ec")] }));
  pairs.push(await session.createKeyPair({ common: [...KEY_KINDS.rsa2048, attr.name("loc-rsa")] }));
  pairs.push(await session.createKeyPair({ common: [...KEY_KINDS.ed25519, attr.name("loc-ed")] }));
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

const objectType = (value: number): Attr => ({
  name: "Object Type",
  item: build.enumeration(Tag.ObjectType, value),
});

async function locate(
  attrs: readonly Attr[],
  form: "v1" | "v2" = "v1",
  paging: { max?: number; offset?: number } = {},
): Promise<{ uids: string[]; located: number | undefined }> {
  const fields: TtlvItem[] = [];
  if (paging.max !== undefined) fields.push(build.integer(Tag.MaximumItems, paging.max));
  if (paging.offset !== undefined) fields.push(build.integer(Tag.OffsetItems, paging.offset));
  if (form === "v1") fields.push(...attrs.map(v1Attribute));
  else
    fields.push(
      build.structure(
        Tag.Attributes,
        attrs.map((a) => a.item),
      ),
    );
  const version = form === "v1" ? { major: 1, minor: 4 } : { major: 2, minor: 1 };
  const payload = await session.ok(Operation.Locate, fields, version);
  return {
    uids: findChildren(payload, Tag.UniqueIdentifier).map((u) => u.value as string),
    located: findChild(payload, Tag.LocatedItems)?.value as number | undefined,
  };
}

const sorted = (uids: string[]) => [...uids].sort();

describe("Locate", () => {
  it("finds both halves of the pairs named alike, and only those (1.x and 2.x)", async () => {
    const expected = sorted(pairs.slice(0, 2).flatMap((p) => [p.privateUid, p.publicUid]));
    for (const form of ["v1", "v2"] as const) {
      const found = await locate([attr.name("loc-ec")], form);
      expect(sorted(found.uids)).toEqual(expected);
      expect(found.located).toBe(4);
    }
  });

  it("narrows by Object Type, Cryptographic Algorithm and Length", async () => {
    const publicEc = await locate([
      objectType(ObjectType.PublicKey),
      attr.algorithm(CryptographicAlgorithm.ECDSA),
      attr.length(384),
    ]);
    expect(publicEc.uids).toEqual([pairs[1]!.publicUid]);
    const rsa = await locate([attr.algorithm(CryptographicAlgorithm.RSA), attr.length(2048)], "v2");
    expect(sorted(rsa.uids)).toEqual(sorted([pairs[2]!.privateUid, pairs[2]!.publicUid]));
    const p384 = await locate([attr.curve(RecommendedCurve.P_384)], "v2");
    expect(sorted(p384.uids)).toEqual(sorted([pairs[1]!.privateUid, pairs[1]!.publicUid]));
    const none = await locate([attr.algorithm(CryptographicAlgorithm.RSA), attr.length(3072)]);
    expect(none.uids).toEqual([]);
    const privateEd = await locate([
      objectType(ObjectType.PrivateKey),
      attr.algorithm(CryptographicAlgorithm.Ed25519),
    ]);
    expect(privateEd.uids).toEqual([pairs[3]!.privateUid]);
  });

  it("pages with Maximum Items and Offset Items over every key", async () => {
    const all = await locate([]);
    expect(all.uids.length).toBe(8);
    const pages: string[] = [];
    for (let offset = 0; offset < 8; offset += 3) {
      const page = await locate([], "v1", { max: 3, offset });
      expect(page.located).toBe(8);
      pages.push(...page.uids);
    }
    expect(pages).toEqual(all.uids);
    expect((await locate([], "v2", { max: 0 })).uids).toEqual([]);
  });

  it("refuses attributes PKCS#11 does not hold, naming them", async () => {
    const group: Attr = { name: "Object Group", item: build.textString(Tag.ObjectGroup, "g") };
    const result = await session.call(Operation.Locate, [v1Attribute(group)]);
    expect(result.reason).toBe(ResultReason.FeatureNotSupported);
    expect(result.message).toMatch(/Object Group/);
  });
});
