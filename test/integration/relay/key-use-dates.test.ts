/**
 * Process Start Date and Protect Stop Date over real TLS on SoftHSM2 (issue #5; KMIP 1.4
 * sections 3.25, 3.26): an AES key registered with them, as the OASIS CS-BC-M-14 cases do,
 * is refused the use the date forbids and allowed the other, and Get Attributes tells both.
 */
import { createCipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  BlockCipherMode,
  CryptographicAlgorithm,
  ObjectType,
  Operation,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import type { ProtocolVersion } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { rawSymmetricKey } from "./cipher-requests.js";
import { relaySession } from "./relay-session.js";
import { uidPayload } from "./session.js";

const V1_4: ProtocolVersion = { major: 1, minor: 4 };
const V2_1: ProtocolVersion = { major: 2, minor: 1 };
const KEY = Buffer.from("0123456789abcdef0123456789abcdef", "hex");
const PLAIN = Buffer.from("01020304050607080910111213141516", "hex");
const ECB = build.structure(Tag.CryptographicParameters, [
  build.enumeration(Tag.BlockCipherMode, BlockCipherMode.ECB),
]);

const fixture = relaySession({ workers: 1 });

/** Registers the AES-128 key KEY (2.1 form) with these dates; returns its UID. */
function registerAes(dates: TtlvItem[]): Promise<string> {
  const usage = CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt;
  return fixture.session.register(
    ObjectType.SymmetricKey,
    rawSymmetricKey(KEY, CryptographicAlgorithm.AES),
    [build.integer(Tag.CryptographicUsageMask, usage), ...dates],
  );
}

function cipher(operation: number, uid: string, data: Buffer, version = V2_1) {
  return fixture.session.call(
    operation,
    [...uidPayload(uid), ECB, build.byteString(Tag.Data, data)],
    version,
  );
}

/** node:crypto's AES-128-ECB of PLAIN under KEY: what the token must decrypt. */
function expectedCiphertext(): Buffer {
  const c = createCipheriv("aes-128-ecb", KEY, null).setAutoPadding(false);
  return Buffer.concat([c.update(PLAIN), c.final()]);
}

const now = () => BigInt(Math.floor(Date.now() / 1000));

describe("Process Start Date and Protect Stop Date", () => {
  it("past Protect Stop Date: Encrypt refused (2.1 and 1.4 reasons), Decrypt still allowed", async () => {
    const stop = now() - 3600n;
    const uid = await registerAes([
      build.dateTime(Tag.ActivationDate, stop),
      build.dateTime(Tag.ProtectStopDate, stop),
    ]);
    expect((await cipher(Operation.Encrypt, uid, PLAIN)).reason).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    expect((await cipher(Operation.Encrypt, uid, PLAIN, V1_4)).reason).toBe(
      ResultReason.PermissionDenied,
    );
    const decrypted = await cipher(Operation.Decrypt, uid, expectedCiphertext());
    expect(decrypted.status).toBe(ResultStatus.Success);
    expect(Buffer.from(findChild(decrypted.payload, Tag.Data)?.value as Uint8Array)).toEqual(PLAIN);

    const attributes = await fixture.session.attributes(uid);
    expect(attributes.get(Tag.ProtectStopDate)).toMatchObject({ value: stop });
  });

  it("future Process Start Date: Decrypt refused, Encrypt allowed (the token's ciphertext)", async () => {
    const start = now() + 3600n;
    const uid = await registerAes([
      build.dateTime(Tag.ActivationDate, now() - 60n),
      build.dateTime(Tag.ProcessStartDate, start),
    ]);
    expect((await cipher(Operation.Decrypt, uid, expectedCiphertext())).reason).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    expect((await cipher(Operation.Decrypt, uid, expectedCiphertext(), V1_4)).reason).toBe(
      ResultReason.PermissionDenied,
    );
    const encrypted = await cipher(Operation.Encrypt, uid, PLAIN);
    expect(encrypted.status).toBe(ResultStatus.Success);
    expect(Buffer.from(findChild(encrypted.payload, Tag.Data)?.value as Uint8Array)).toEqual(
      expectedCiphertext(),
    );
  });
});
