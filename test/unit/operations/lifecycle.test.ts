import { describe, expect, it } from "vitest";
import { Operation, ResultReason } from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { activate } from "../../../src/operations/activate.js";
import { destroy } from "../../../src/operations/destroy.js";
import { revoke } from "../../../src/operations/revoke.js";
import { CKA, CKK, CKO } from "../../../src/pkcs11/constants.js";
import { ObjectNotFoundError } from "../../../src/pkcs11/errors.js";
import type { ObjectRef } from "../../../src/pkcs11/types.js";
import { attrValues, contextFor, FakeClient, payload, rejection, ulongBytes } from "./fake.js";

const uidItem = (uid: string) => build.textString(Tag.UniqueIdentifier, uid);
const existing = () =>
  new FakeClient({ getAttributes: () => attrValues([[CKA.KEY_TYPE, ulongBytes(CKK.EC)]]) });
const missing = () =>
  new FakeClient({
    getAttributes: () => {
      throw new ObjectNotFoundError();
    },
    destroyObject: () => {
      throw new ObjectNotFoundError();
    },
  });
const revocation = build.structure(Tag.RevocationReason, [
  build.enumeration(Tag.RevocationReasonCode, 5),
]);

describe("Activate and Revoke", () => {
  it.each([
    ["Activate", activate, []],
    ["Revoke", revoke, [revocation]],
  ] as const)("%s looks the key up and echoes the UID", async (_n, handler, extra) => {
    const client = existing();
    const result = await handler.run(payload(uidItem("AB_priv"), ...extra), contextFor(client));
    expect(result.payload).toEqual([uidItem("AB_priv")]);
    const [call] = client.callsOf("getAttributes");
    expect(call?.args[1]).toEqual({ id: new Uint8Array([0xab]), cls: CKO.PRIVATE_KEY });
    expect(client.calls.map((c) => c.fn)).toEqual(["getAttributes"]);
  });

  it.each([
    ["Activate", activate],
    ["Revoke", revoke],
  ] as const)("%s fails for a missing key", async (_n, handler) => {
    const err = await rejection(() =>
      handler.run(payload(uidItem("AB_priv"), revocation), contextFor(missing())),
    );
    expect(err).toBeInstanceOf(ObjectNotFoundError);
  });

  it("Revoke names a malformed Revocation Reason", async () => {
    const bad = build.structure(Tag.RevocationReason, []);
    const err = await rejection(() =>
      revoke.run(payload(uidItem("AB_pub"), bad), contextFor(existing())),
    );
    expect((err as KmipError).reason).toBe(ResultReason.MissingData);
    expect((err as KmipError).message).toContain("Revocation Reason Code");
  });
});

describe("Destroy", () => {
  it("calls C_DestroyObject on the named half", async () => {
    for (const [uid, cls] of [
      ["0102_priv", CKO.PRIVATE_KEY],
      ["0102_pub", CKO.PUBLIC_KEY],
    ] as const) {
      const client = new FakeClient();
      const result = await destroy.run(payload(uidItem(uid)), contextFor(client));
      expect(result.payload).toEqual([uidItem(uid)]);
      const [call] = client.callsOf("destroyObject");
      expect(call?.args).toEqual(["tok", { id: new Uint8Array([1, 2]), cls } satisfies ObjectRef]);
    }
  });

  it("lets Item Not Found through", async () => {
    const err = await rejection(() =>
      destroy.run(payload(uidItem("01_pub")), contextFor(missing())),
    );
    expect(err).toBeInstanceOf(ObjectNotFoundError);
  });

  it("declares the operations and that they need a token", () => {
    expect([activate, revoke, destroy].map((h) => [h.operation, h.needsToken])).toEqual([
      [Operation.Activate, true],
      [Operation.Revoke, true],
      [Operation.Destroy, true],
    ]);
  });
});
