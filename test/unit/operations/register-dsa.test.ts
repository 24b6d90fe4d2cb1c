/**
 * DSA public keys: Register of Transparent DSA Public Key (CKK_DSA, FIPS 186-4 sizes) and
 * Signature Verify of node:crypto's DSA signatures (CKM_DSA_SHA*, r||s of Q's length).
 */
import { createHash, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  DigitalSignatureAlgorithm,
  KeyFormatType as F,
  HashingAlgorithm as H,
  ObjectType,
  ResultReason,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { register } from "../../../src/operations/register.js";
import { dsaSpki } from "../../../src/operations/register-dsa.js";
import { signatureVerify } from "../../../src/operations/signature-verify.js";
import { CKA, CKK, CKM } from "../../../src/pkcs11/constants.js";
import type { Attr } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { dsaKeyPair, dsaPublicParts } from "../../helpers/dsa-key.js";
import { argsOf, contextFor, FakeClient, field, payload, rejection, ulongBytes } from "./fake.js";

const pair = dsaKeyPair(2048, 256);
const parts = dsaPublicParts(pair.publicKey);
const bytes = (v: bigint) => {
  const hex = v.toString(16);
  return new Uint8Array(Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex"));
};

/** The OASIS BL-M-12 key: P of 512 bits, Q of 160. */
const WEAK = {
  p: BigInt(
    "0xfca682ce8e12caba26efccf7110e526db078b05edecbcd1eb4a208f3ae1617ae01f35b91a47e6df63413c5e12ed0899bcd132acd50d99151bdc43ee737592e17",
  ),
  q: BigInt("0x962eddcc369cba8ebb260ee6b6a126d9346e38c5"),
  g: BigInt(
    "0x678471b27a9cf44ee91a49c5147db1a9aaf244f05a434d6486931d2d14271b9e35030b71fd73da179069b32e2935630e1c2062354d0da20a6c416e50be794ca4",
  ),
  y: BigInt(
    "0xb3cb74d988dea7160a64a4edbb7f70404fa4c08a4208c19d76357a6a9df200cce79faecb22e3419be9b01128cbd998a2d9307101705e4a952462f34728ac5fcf",
  ),
};

function dsaObject(k: { p: bigint; q: bigint; g: bigint; y: bigint }, bits?: number): TtlvItem {
  return build.structure(Tag.PublicKey, [
    build.structure(Tag.KeyBlock, [
      build.enumeration(Tag.KeyFormatType, F.TransparentDSAPublicKey),
      build.structure(Tag.KeyValue, [
        build.structure(Tag.KeyMaterial, [
          build.bigInteger(Tag.P, k.p),
          build.bigInteger(Tag.Q, k.q),
          build.bigInteger(Tag.G, k.g),
          build.bigInteger(Tag.Y, k.y),
        ]),
      ]),
      build.enumeration(Tag.CryptographicAlgorithm, A.DSA),
      ...(bits === undefined ? [] : [build.integer(Tag.CryptographicLength, bits)]),
    ]),
  ]);
}

async function registerDsa(object: TtlvItem, allowRsa1024 = false): Promise<Attr[]> {
  const client = new FakeClient();
  await register.run(
    payload(
      build.enumeration(Tag.ObjectType, ObjectType.PublicKey),
      build.structure(Tag.Attributes, []),
      object,
    ),
    contextFor(client, { options: { allowRsa1024 } }),
  );
  return argsOf(client, "createObject")[1] as Attr[];
}

const attrOf = (template: Attr[], type: number) => template.find((a) => a.type === type)?.value;

describe("Register of a Transparent DSA Public Key", () => {
  it("builds the SubjectPublicKeyInfo node:crypto exports, byte for byte", () => {
    const spki = dsaSpki({
      p: bytes(parts.p),
      q: bytes(parts.q),
      g: bytes(parts.g),
      y: bytes(parts.y),
    });
    expect(Buffer.from(spki)).toEqual(pair.publicKey.export({ type: "spki", format: "der" }));
  });

  it("-> CKK_DSA with CKA_PRIME, CKA_SUBPRIME, CKA_BASE, CKA_VALUE; Verify by default", async () => {
    const t = await registerDsa(dsaObject(parts, 2048));
    expect(attrOf(t, CKA.KEY_TYPE)).toBe(CKK.DSA);
    expect(attrOf(t, CKA.PRIME)).toEqual(bytes(parts.p));
    expect(attrOf(t, CKA.SUBPRIME)).toEqual(bytes(parts.q));
    expect(attrOf(t, CKA.BASE)).toEqual(bytes(parts.g));
    expect(attrOf(t, CKA.VALUE)).toEqual(bytes(parts.y));
    expect(attrOf(t, CKA.VERIFY)).toBe(true);
    expect(attrOf(t, CKA.ALLOWED_MECHANISMS)).toBeUndefined();
  });

  it("refuses the 512-bit key of BL-M-12, a wrong stated length, and a Y out of range", async () => {
    const weak = await rejection(() => registerDsa(dsaObject(WEAK), true));
    expect(weak).toBeInstanceOf(KmipError);
    expect((weak as KmipError).reason).toBe(ResultReason.InvalidField);
    expect((weak as KmipError).message).toMatch(
      /a DSA key with a 512-bit P and a 160-bit Q is not accepted \(P\/Q bits: 1024\/160, 2048\/224/,
    );
    const length = await rejection(() => registerDsa(dsaObject(parts, 3072)));
    expect((length as KmipError).message).toMatch(/Cryptographic Length 3072 does not match/);
    const y = await rejection(() => registerDsa(dsaObject({ ...parts, y: parts.p })));
    expect((y as KmipError).message).toMatch(/G and Y of a DSA key lie between 1 and P/);
  });

  it("takes 1024/160 only with the legacy 1024-bit switch", async () => {
    const legacy = dsaPublicParts(dsaKeyPair(1024, 160).publicKey);
    const refused = await rejection(() => registerDsa(dsaObject(legacy)));
    expect((refused as KmipError).message).toMatch(/1024-bit P .* \(P\/Q bits: 2048\/224,/);
    const t = await registerDsa(dsaObject(legacy), true);
    expect(attrOf(t, CKA.KEY_TYPE)).toBe(CKK.DSA);
  });
});

describe("Signature Verify with DSA", () => {
  const message = Buffer.from("a DSA-signed message");
  const dsaKey = () =>
    new FakeClient({
      getAttributes: (_t, _r, types) =>
        new Map(
          types.map((t): [number, Uint8Array | null] => [
            t,
            t === CKA.KEY_TYPE
              ? ulongBytes(CKK.DSA)
              : t === CKA.SUBPRIME
                ? new Uint8Array([0, ...bytes(parts.q)])
                : null,
          ]),
        ),
      verify: () => true,
    });
  const params = (items: TtlvItem[]) => build.structure(Tag.CryptographicParameters, items);
  const request = (p: TtlvItem, input: TtlvItem, signature: Uint8Array) =>
    payload(
      build.textString(Tag.UniqueIdentifier, "DD_pub"),
      p,
      input,
      build.byteString(Tag.SignatureData, signature),
    );

  it("CKM_DSA_SHA256 over Data with r||s of Q's 32 bytes (the same signature)", async () => {
    const der = nodeSign("sha256", message, { key: pair.privateKey, dsaEncoding: "der" });
    const fake = dsaKey();
    const result = await signatureVerify.run(
      request(
        params([build.enumeration(Tag.CryptographicAlgorithm, A.DSA)]),
        build.byteString(Tag.Data, message),
        der,
      ),
      contextFor(fake),
    );
    const [, , mechanism, data, rs] = argsOf(fake, "verify");
    expect(mechanism).toEqual({ type: CKM.DSA_SHA256 });
    expect(Buffer.from(data as Uint8Array)).toEqual(message);
    expect((rs as Uint8Array).length).toBe(64);
    const p1363 = { key: pair.publicKey, dsaEncoding: "ieee-p1363" as const };
    expect(nodeVerify("sha256", message, p1363, rs as Uint8Array)).toBe(true);
    expect(field(result.payload, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Valid);
  });

  it("DSA with SHA-1 by Digital Signature Algorithm; CKM_DSA over Digested Data", async () => {
    const der = nodeSign("sha1", message, { key: pair.privateKey, dsaEncoding: "der" });
    const sha1 = dsaKey();
    await signatureVerify.run(
      request(
        params([
          build.enumeration(Tag.DigitalSignatureAlgorithm, DigitalSignatureAlgorithm.DSAWithSHA_1),
        ]),
        build.byteString(Tag.Data, message),
        der,
      ),
      contextFor(sha1),
    );
    expect(argsOf(sha1, "verify")[2]).toEqual({ type: CKM.DSA_SHA1 });
    const digest = createHash("sha256").update(message).digest();
    const digested = dsaKey();
    await signatureVerify.run(
      request(
        params([
          build.enumeration(Tag.CryptographicAlgorithm, A.DSA),
          build.enumeration(Tag.HashingAlgorithm, H.SHA_256),
        ]),
        build.byteString(Tag.DigestedData, digest),
        der,
      ),
      contextFor(digested),
    );
    expect(argsOf(digested, "verify")[2]).toEqual({ type: CKM.DSA });
  });

  it("Invalid without a token call for a malformed signature; Invalid Field for a non-DSA key", async () => {
    const fake = dsaKey();
    const dsa = params([build.enumeration(Tag.CryptographicAlgorithm, A.DSA)]);
    const result = await signatureVerify.run(
      request(dsa, build.byteString(Tag.Data, message), new Uint8Array([0x30, 0x01, 0x00])),
      contextFor(fake),
    );
    expect(field(result.payload, Tag.ValidityIndicator)?.value).toBe(ValidityIndicator.Invalid);
    expect(fake.callsOf("verify")).toHaveLength(0);
    const rsaKey = new FakeClient({
      getAttributes: (_t, _r, types) => new Map(types.map((t) => [t, ulongBytes(CKK.RSA)])),
    });
    const err = await rejection(() =>
      signatureVerify.run(
        request(dsa, build.byteString(Tag.Data, message), new Uint8Array(8)),
        contextFor(rsaKey),
      ),
    );
    expect((err as KmipError).reason).toBe(ResultReason.InvalidField);
    expect((err as KmipError).message).toMatch(/ask for DSA but the key is CKK_RSA/);
  });
});
