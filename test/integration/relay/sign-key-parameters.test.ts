/**
 * Sign without Cryptographic Parameters on a key that records its own (KMIP 1.4 section
 * 4.31): a key pair made outside the relay by OpenSC's pkcs11-tool with
 * CKA_ALLOWED_MECHANISMS = SHA384-RSA-PKCS-PSS, RSA-PKCS-PSS on the private key. The relay
 * must sign RSA-PSS with SHA-384 (not its own default, PKCS#1 v1.5 with SHA-256); node:crypto
 * checks the signature with the public key from Get.
 */
import { execFileSync } from "node:child_process";
import { constants, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Operation } from "../../../src/kmip/enums.js";
import { Tag } from "../../../src/kmip/tags.js";
import { publicKeyFromGet } from "../../helpers/keys.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { SOFTHSM2_LIB } from "../../helpers/softhsm.js";
import { bytesField } from "./cipher-requests.js";
import { getPayload, Session, signPayload } from "./session.js";

const ID = "C0FFEE0123";
let relay: TestRelay;
let session: Session;

beforeAll(async () => {
  relay = await startTestRelay({ workers: 1 });
  execFileSync(
    "pkcs11-tool",
    [
      ...["--module", SOFTHSM2_LIB, "--login", "--pin", relay.pin],
      ...["--token-label", relay.username, "--keypairgen", "--key-type", "rsa:2048"],
      ...["--id", ID, "--label", "kept to PSS"],
      ...["--allowed-mechanisms", "SHA384-RSA-PKCS-PSS,RSA-PKCS-PSS"],
    ],
    { env: { ...process.env, ...relay.token.env }, stdio: "pipe" },
  );
  session = await Session.open(relay);
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

describe("Sign with the key's recorded parameters", () => {
  it("signs RSA-PSS with SHA-384 and a 48-byte salt when the request names none", async () => {
    const message = Buffer.from("signed with the key's own parameters");
    const signed = await session.ok(Operation.Sign, signPayload(`${ID}_priv`, { data: message }));
    const signature = bytesField(signed, Tag.SignatureData);
    if (signature === undefined) throw new Error("Sign response without Signature Data");
    const { key } = publicKeyFromGet(await session.ok(Operation.Get, getPayload(`${ID}_pub`)));
    const pss = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 };
    expect(verify("sha384", message, pss, signature)).toBe(true);
    const pkcs1 = { key, padding: constants.RSA_PKCS1_PADDING };
    expect(verify("sha256", message, pkcs1, signature)).toBe(false);
  });
});
