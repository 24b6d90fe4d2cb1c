/**
 * Responses read the way Cascade's KMIP client reads them (see cascade-client.ts): each
 * reader throws, with the reason the client would give, where the client would fail.
 */
import { constants, createPublicKey, type KeyObject, verify } from "node:crypto";
import { KeyFormatType, ObjectType, ResultStatus } from "../../../src/kmip/enums.js";
import { findChild, findChildren } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { decodeTtlv } from "../../../src/ttlv/decode.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { derChildren, ecdsaDerToRaw, readDer } from "../../helpers/keys.js";
import type { CascadeAlgorithm } from "./cascade-client.js";
import { BATCH_ITEM, expectFields, PAYLOAD_SHAPES } from "./cascade-shapes.js";

/** One successful batch item. */
export interface CascadeResult {
  readonly operation: number;
  readonly batchId: Uint8Array | undefined;
  readonly payload: TtlvItem;
}

/**
 * A whole response frame: at most `maxResponseSize` bytes (the client's read limit); header
 * of exactly Protocol Version, Time Stamp, Batch Count; one Success item per request item,
 * in order, each naming its Operation, every structure's fields in the order the client's
 * scanner reads them (cascade-shapes.ts).
 */
export function readCascadeResponse(
  raw: Buffer,
  maxResponseSize: number,
  operations: readonly number[],
): CascadeResult[] {
  if (raw.length > maxResponseSize) {
    throw new Error(`Response too large: ${raw.length} bytes > ${maxResponseSize} bytes`);
  }
  const message = decodeTtlv(raw);
  if (message.tag !== Tag.ResponseMessage) throw new Error("not a Response Message");
  const header = findChild(message, Tag.ResponseHeader);
  const fields = header?.type === "Structure" ? header.value : [];
  const shape = fields.map((f) => `${f.tag.toString(16)}:${f.type}`);
  const expected = [
    `${Tag.ProtocolVersion.toString(16)}:Structure`,
    `${Tag.TimeStamp.toString(16)}:DateTime`,
    `${Tag.BatchCount.toString(16)}:Integer`,
  ];
  if (shape.join() !== expected.join()) throw new Error(`unexpected header ${shape.join()}`);
  // Time Stamp: seconds since the epoch (KMIP 1.4 section 9.1.1.4, Date-Time), i.e. now.
  const stamp = Number(findChild(header!, Tag.TimeStamp)?.value);
  if (Math.abs(stamp - Date.now() / 1000) > 300) throw new Error(`Time Stamp ${stamp} is not now`);
  const items = findChildren(message, Tag.BatchItem);
  if (findChild(header!, Tag.BatchCount)?.value !== items.length || items.length === 0) {
    throw new Error("Batch Count does not match the batch items");
  }
  if (items.length !== operations.length) {
    throw new Error(`expected ${operations.length} batch items, got ${items.length}`);
  }
  return items.map((item, i) => {
    expectFields(item, BATCH_ITEM);
    const status = findChild(item, Tag.ResultStatus)?.value;
    const operation = findChild(item, Tag.Operation)?.value as number | undefined;
    if (status !== ResultStatus.Success) {
      const why = findChild(item, Tag.ResultMessage)?.value ?? "Reason unknown";
      throw new Error(`Operation ${operation} failed: ${String(why)}`);
    }
    if (operation !== operations[i]) {
      throw new Error(`Response operation ${operation} does not match ${operations[i]}`);
    }
    const payload = findChild(item, Tag.ResponsePayload);
    if (payload === undefined) throw new Error("Success without a Response Payload");
    PAYLOAD_SHAPES.get(operations[i]!)?.(payload);
    const batchId = findChild(item, Tag.UniqueBatchItemID)?.value as Uint8Array | undefined;
    return { operation: operations[i]!, batchId, payload };
  });
}

/** A DNSKEY public key as domain-kmip derives it: RFC 3110 for RSA, X||Y for ECDSA. */
export type DnskeyKey =
  | { readonly kind: "rsa"; readonly exponent: Buffer; readonly modulus: Buffer }
  | { readonly kind: "ec"; readonly xy: Buffer };

/** A DER INTEGER's unsigned value (bcder Unsigned: one leading zero dropped). */
function unsigned(tlv: { tag: number; content: Buffer }): Buffer {
  if (tlv.tag !== 0x02) throw new Error("expected INTEGER");
  const v = tlv.content;
  return v.length > 1 && v[0] === 0 ? v.subarray(1) : v;
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1). */
function rsaPublicKey(der: Buffer): DnskeyKey {
  const seq = readDer(der);
  const [n, e] = derChildren(seq.content);
  if (seq.tag !== 0x30 || n === undefined || e === undefined) throw new Error("bad RSAPublicKey");
  return { kind: "rsa", modulus: unsigned(n), exponent: unsigned(e) };
}

const RSA_OID = "2a864886f70d010101";
const EC_OID = "2a8648ce3d0201";

/** SubjectPublicKeyInfo: AlgorithmIdentifier{OID, params} and the BIT STRING's octets. */
function spki(der: Buffer): { oid: string; params: { tag: number; content: Buffer }; key: Buffer } {
  const [algorithm, bits] = derChildren(readDer(der).content);
  const [oid, params] = algorithm === undefined ? [] : derChildren(algorithm.content);
  if (oid?.tag !== 0x06 || params === undefined || bits?.tag !== 0x03) {
    throw new Error("Unable to parse SubjectPublicKeyInfo");
  }
  if (bits.content[0] !== 0) throw new Error("subjectPublicKey: missing octets");
  return { oid: oid.content.toString("hex"), params, key: bits.content.subarray(1) };
}

function ecFromSpki(der: Buffer, alg: CascadeAlgorithm): DnskeyKey {
  const { oid, params, key } = spki(der);
  const curve = alg.curve!;
  if (oid !== EC_OID) throw new Error(`expected id-ecPublicKey, found ${oid}`);
  if (params.tag !== 0x06 || params.content.toString("hex") !== curve.oidHex) {
    throw new Error(`expected named curve ${curve.crv}`);
  }
  if (key[0] !== 0x04) throw new Error(`unknown compression flag ${key[0]}`);
  if (key.length !== 1 + 2 * curve.bytes) throw new Error(`point of ${key.length} bytes`);
  return { kind: "ec", xy: key.subarray(1) };
}

function rsaFromSpki(der: Buffer): DnskeyKey {
  const { oid, params, key } = spki(der);
  if (oid !== RSA_OID) throw new Error(`expected rsaEncryption, found ${oid}`);
  if (params.tag !== 0x05 || params.content.length !== 0) throw new Error("parameter: not NULL");
  return rsaPublicKey(key);
}

/** `PublicKey::for_key_id_and_dnssec_algorithm` on a Get Response Payload. */
export function dnskeyFromGet(payload: TtlvItem, alg: CascadeAlgorithm): DnskeyKey {
  if (findChild(payload, Tag.ObjectType)?.value !== ObjectType.PublicKey) {
    throw new Error("Expected KMIP PublicKey");
  }
  const block = findChild(findChild(payload, Tag.PublicKey)!, Tag.KeyBlock)!;
  const format = findChild(block, Tag.KeyFormatType)?.value;
  const material = findChild(findChild(block, Tag.KeyValue)!, Tag.KeyMaterial)!;
  const isRsa = alg.curve === undefined;
  if (material.type === "ByteString") {
    const der = Buffer.from(material.value);
    if (isRsa && format === KeyFormatType.PKCS_1) return rsaPublicKey(der);
    const spkiFormat = format === KeyFormatType.Raw || format === KeyFormatType.X_509;
    if (isRsa && spkiFormat) return rsaFromSpki(der);
    if (!isRsa && spkiFormat) return ecFromSpki(der, alg);
    throw new Error(`Unsupported public key format type for ${alg.name}: ${format}`);
  }
  if (isRsa && format === KeyFormatType.TransparentRSAPublicKey) {
    const big = (tag: number) => {
      const v = findChild(material, tag)?.value as bigint;
      const hex = v.toString(16);
      return Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
    };
    return { kind: "rsa", modulus: big(Tag.Modulus), exponent: big(Tag.PublicExponent) };
  }
  throw new Error(`Unsupported public key material format: ${format}`);
}

/** The DNSKEY public key field: RFC 3110 section 2 (RSA), RFC 6605 section 4 (ECDSA). */
export function dnskeyBytes(key: DnskeyKey): Buffer {
  if (key.kind === "ec") return key.xy;
  const e = key.exponent;
  const length = e.length <= 255 ? [e.length] : [0, e.length >> 8, e.length & 0xff];
  return Buffer.concat([Buffer.from(length), e, key.modulus]);
}

/** A node:crypto key from what the client derived (not from the relay's DER as such). */
export function keyObjectOf(key: DnskeyKey, alg: CascadeAlgorithm): KeyObject {
  if (key.kind === "rsa") {
    const jwk = {
      kty: "RSA",
      n: key.modulus.toString("base64url"),
      e: key.exponent.toString("base64url"),
    };
    return createPublicKey({ key: jwk, format: "jwk" });
  }
  const half = key.xy.length / 2;
  const jwk = {
    kty: "EC",
    crv: alg.curve!.crv,
    x: key.xy.subarray(0, half).toString("base64url"),
    y: key.xy.subarray(half).toString("base64url"),
  };
  return createPublicKey({ key: jwk, format: "jwk" });
}

/**
 * `KeyPair::sign_post`: RSA signatures as they come; ECDSA parsed from X9.62 DER into the
 * fixed-size r||s of a DNSSEC RRSIG (strictly, as `parse_ecdsa_sig_from_x962`), then checked.
 */
export function dnssecSignature(
  payload: TtlvItem,
  alg: CascadeAlgorithm,
  key: KeyObject,
  data: Uint8Array,
): boolean {
  const signature = findChild(payload, Tag.SignatureData)?.value as Uint8Array;
  if (alg.curve === undefined) {
    return verify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  }
  const rs = ecdsaDerToRaw(signature, alg.curve.bytes);
  return verify(alg.hash, data, { key, dsaEncoding: "ieee-p1363" }, rs);
}
