/**
 * Secret keys through the key-agnostic operations: Activate, Revoke, Query Objects, and a
 * Sign that names a secret key.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  ObjectType,
  Operation,
  QueryFunction,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { build, findChild, findChildren } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { requestMessage, type TestBatchItem } from "../../helpers/kmip-client.js";
import { relaySession } from "./relay-session.js";
import { attr, revokePayload, uidPayload, v1Attribute } from "./session.js";

const fixture = relaySession({ workers: 1 });

async function one(item: TestBatchItem): Promise<TtlvItem> {
  const response = await fixture.session.client.request(
    requestMessage({
      username: fixture.relay.username,
      password: fixture.relay.pin,
      items: [item],
    }),
  );
  return findChildren(response, Tag.BatchItem)[0]!;
}

describe("secret keys in the generic operations", () => {
  let uid: string;
  beforeAll(async () => {
    const created = await one({
      operation: Operation.Create,
      payload: [
        build.enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
        build.structure(
          Tag.TemplateAttribute,
          [
            attr.algorithm(CryptographicAlgorithm.AES),
            attr.length(256),
            attr.usage(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt),
          ].map(v1Attribute),
        ),
      ],
    });
    expect(findChild(created, Tag.ResultStatus)?.value).toBe(ResultStatus.Success);
    uid = findChild(findChild(created, Tag.ResponsePayload)!, Tag.UniqueIdentifier)
      ?.value as string;
    expect(uid).toMatch(/^[0-9A-F]{40}_sec$/);
  });

  // Before the Revoke below: a revoked key is refused for its State before its type is read.
  it("says a Sign names a secret key", async () => {
    const signed = await one({
      operation: Operation.Sign,
      payload: [...uidPayload(uid), build.byteString(Tag.Data, Uint8Array.of(1))],
    });
    expect(findChild(signed, Tag.ResultReason)?.value).toBe(ResultReason.IllegalOperation);
    expect(findChild(signed, Tag.ResultMessage)?.value).toMatch(/secret key/);
  });

  it("activates and revokes a secret key", async () => {
    const activated = await one({ operation: Operation.Activate, payload: uidPayload(uid) });
    expect(findChild(activated, Tag.ResultStatus)?.value).toBe(ResultStatus.Success);
    const revoked = await one({
      operation: Operation.Revoke,
      payload: revokePayload(uid),
    });
    expect(findChild(revoked, Tag.ResultStatus)?.value).toBe(ResultStatus.Success);
  });

  it("lists Symmetric Key among the object types", async () => {
    const answer = await one({
      operation: Operation.Query,
      payload: [build.enumeration(Tag.QueryFunction, QueryFunction.QueryObjects)],
    });
    const types = findChildren(findChild(answer, Tag.ResponsePayload)!, Tag.ObjectType).map(
      (t) => t.value,
    );
    expect(types).toContain(ObjectType.SymmetricKey);
  });
});
