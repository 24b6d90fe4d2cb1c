/**
 * Sign without Cryptographic Parameters on a key that records its own (KMIP 1.4 section
 * 4.31): a key pair made outside the relay by OpenSC's pkcs11-tool with
 * CKA_ALLOWED_MECHANISMS = SHA384-RSA-PKCS-PSS, RSA-PKCS-PSS on the private key. The relay
 * must sign RSA-PSS with SHA-384 (not its own default, PKCS#1 v1.5 with SHA-256); node:crypto
 * checks the signature with the public key from Get. And Signature Verify without parameters
 * on a public key registered with Cryptographic Parameters{RSA, PSS, SHA-256}: node:crypto's
 * signatures with the hash-length salt and with the largest salt both verify.
 */
import { execFileSync } from "node:child_process";
import { constants, generateKeyPairSync, sign, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  HashingAlgorithm,
  KeyFormatType,
  ObjectType,
  Operation,
  PaddingMethod,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { publicKeyFromGet } from "../../helpers/keys.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { SOFTHSM2_LIB } from "../../helpers/softhsm.js";
import { bytesField } from "./cipher-requests.js";
import { getPayload, Session, signPayload, v1Attribute } from "./session.js";

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

describe("Signature Verify with a registered key's parameters", () => {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pssParams = build.structure(Tag.CryptographicParameters, [
    build.enumeration(Tag.PaddingMethod, PaddingMethod.PSS),
    build.enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
    build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.RSA),
  ]);

  async function registerPss(): Promise<string> {
    const der = pair.publicKey.export({ type: "pkcs1", format: "der" });
    const payload = await session.ok(Operation.Register, [
      build.enumeration(Tag.ObjectType, ObjectType.PublicKey),
      build.structure(Tag.TemplateAttribute, [
        v1Attribute({ name: "Cryptographic Parameters", item: pssParams }),
      ]),
      build.structure(Tag.PublicKey, [
        build.structure(Tag.KeyBlock, [
          build.enumeration(Tag.KeyFormatType, KeyFormatType.PKCS_1),
          build.structure(Tag.KeyValue, [build.byteString(Tag.KeyMaterial, der)]),
          build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.RSA),
          build.integer(Tag.CryptographicLength, 2048),
        ]),
      ]),
    ]);
    return findChild(payload, Tag.UniqueIdentifier)?.value as string;
  }

  it("verifies PSS / SHA-256 with a 32-byte or the largest (222-byte) salt; not PKCS#1 v1.5", async () => {
    const uid = await registerPss();
    const message = Buffer.from("checked with the key's own parameters");
    const validity = async (signature: Buffer) =>
      findChild(
        await session.ok(Operation.SignatureVerify, [
          build.textString(Tag.UniqueIdentifier, uid),
          build.byteString(Tag.Data, message),
          build.byteString(Tag.SignatureData, signature),
        ]),
        Tag.ValidityIndicator,
      )?.value;
    const pss = (saltLength: number) =>
      sign("sha256", message, {
        key: pair.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength,
      });
    expect(await validity(pss(32))).toBe(ValidityIndicator.Valid);
    expect(await validity(pss(222))).toBe(ValidityIndicator.Valid);
    expect(await validity(pss(20))).toBe(ValidityIndicator.Invalid);
    const pkcs1 = sign("sha256", message, pair.privateKey);
    expect(await validity(pkcs1)).toBe(ValidityIndicator.Invalid);
  });
});
