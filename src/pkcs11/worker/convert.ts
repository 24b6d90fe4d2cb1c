/**
 * Conversions between the relay's plain data (types.ts) and pkcs11js arguments and results.
 */
import pkcs11js from "pkcs11js";
import { CKZ } from "../constants.js";
import type { Attr, AttrValue, Mechanism, Version } from "../types.js";

/** A Buffer sharing the bytes of `bytes` (pkcs11js wants Buffers). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A fresh copy: pkcs11js results may be views into buffers that get reused. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Unsigned big-endian bytes of a non-negative bigint, at least one byte. */
export function bigintToBytes(value: bigint): Buffer {
  if (value < 0n) throw new TypeError("negative bigint attribute value");
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Buffer.from(hex, "hex");
}

function attrValue(value: AttrValue): number | boolean | string | Buffer {
  if (typeof value === "bigint") return bigintToBytes(value);
  if (value instanceof Uint8Array) return toBuffer(value);
  return value;
}

/** A pkcs11js template from relay attributes. */
export function toTemplate(attrs: readonly Attr[]): pkcs11js.Template {
  return attrs.map((attr) => ({ type: attr.type, value: attrValue(attr.value) }));
}

/** A pkcs11js mechanism; the parameter kind follows from its fields (see types.ts). */
export function toMechanism(mechanism: Mechanism): pkcs11js.Mechanism {
  const p = mechanism.parameter;
  if (p === undefined) return { mechanism: mechanism.type };
  if (p instanceof Uint8Array) return { mechanism: mechanism.type, parameter: toBuffer(p) };
  if ("iv" in p) {
    const gcm: pkcs11js.GcmParams = {
      type: pkcs11js.CK_PARAMS_GCM,
      iv: toBuffer(p.iv),
      ivBits: p.iv.length * 8,
      tagBits: p.tagBits,
    };
    if (p.aad !== undefined) gcm.aad = toBuffer(p.aad);
    return { mechanism: mechanism.type, parameter: gcm };
  }
  if ("saltLen" in p) {
    const pss: pkcs11js.RsaPSS = {
      type: pkcs11js.CK_PARAMS_RSA_PSS,
      hashAlg: p.hashAlg,
      mgf: p.mgf,
      saltLen: p.saltLen,
    };
    return { mechanism: mechanism.type, parameter: pss };
  }
  // CKZ_DATA_SPECIFIED is the only source PKCS#11 defines, also for an empty label
  // (pSourceData NULL); SoftHSM2's C_EncryptInit refuses any other with CKR_ARGUMENTS_BAD.
  const oaep: pkcs11js.RsaOAEP = {
    type: pkcs11js.CK_PARAMS_RSA_OAEP,
    hashAlg: p.hashAlg,
    mgf: p.mgf,
    source: CKZ.DATA_SPECIFIED,
  };
  if (p.source !== undefined) oaep.sourceData = toBuffer(p.source);
  return { mechanism: mechanism.type, parameter: oaep };
}

/** A slot id (CK_SLOT_ID, native-endian CK_ULONG in a Buffer) as a decimal string. */
export function slotIdString(slot: Buffer): string {
  if (slot.length === 8) return slot.readBigUInt64LE(0).toString();
  if (slot.length === 4) return slot.readUInt32LE(0).toString();
  return BigInt(`0x${Buffer.from(slot).reverse().toString("hex") || "0"}`).toString();
}

/** CK_VERSION as plain data. */
export function version(v: pkcs11js.Version): Version {
  return { major: v.major, minor: v.minor };
}

/** Removes the blank padding of CK_UTF8CHAR fields. */
export function trimPadded(text: string): string {
  return text.replace(/[\s\0]+$/u, "");
}
