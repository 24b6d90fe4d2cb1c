/**
 * Register of a DSA public key (FIPS 186-4), Key Format Type Transparent DSA Public Key
 * (KMIP 1.4 section 2.1.7.4: Key Material {P, Q, G, Y}) -> CKK_DSA with CKA_PRIME,
 * CKA_SUBPRIME, CKA_BASE and CKA_VALUE (PKCS#11 v2.40 section 2.2.2). Signature Verify then
 * checks DSA signatures with it (verify-dsa.ts); the relay makes none.
 *
 * Sizes (L = bits of P, N = bits of Q): FIPS 186-4 section 4.2's (2048, 224), (2048, 256),
 * (3072, 256); (1024, 160) only where 1024-bit keys are allowed (`allowRsa1024`, the relay's
 * legacy switch; NIST SP 800-131A keeps it for verifying old signatures). Anything smaller
 * (e.g. the 512-bit key of the OASIS BL-M-12 case) is refused as for RSA.
 *
 * node:crypto checks the key parses (the relay builds its SubjectPublicKeyInfo, RFC 3279
 * section 2.3.2) and the relay that 1 < G < P and 1 < Y < P.
 */
import { createPublicKey } from "node:crypto";
import { CryptographicAlgorithm } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { CKA, CKK } from "../pkcs11/constants.js";
import type { Attr } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { derTlv, derUnsignedInteger } from "./der.js";
import type { KeyFacts } from "./register-common.js";
import type { OperationOptions } from "./types.js";

const OP = "Register";

/** FIPS 186-4 (L, N) pairs, the legacy one apart. */
const DSA_SIZES: readonly { readonly l: number; readonly n: number; readonly legacy?: true }[] = [
  { l: 1024, n: 160, legacy: true },
  { l: 2048, n: 224 },
  { l: 2048, n: 256 },
  { l: 3072, n: 256 },
];

/** DER of the OBJECT IDENTIFIER id-dsa, 1.2.840.10040.4.1 (RFC 3279 section 2.3.2). */
const ID_DSA = new Uint8Array([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]);

/** A DSA public key's parts, unsigned big-endian. */
export interface DsaPublicParts {
  readonly p: Uint8Array;
  readonly q: Uint8Array;
  readonly g: Uint8Array;
  readonly y: Uint8Array;
}

function unsigned(value: bigint, field: string): Uint8Array {
  if (value <= 0n) throw kmipErrors.invalidField(`Key Material: ${field} must be positive`);
  const hex = value.toString(16);
  return new Uint8Array(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex"));
}

const bitLength = (value: bigint): number => value.toString(2).length;

/** SubjectPublicKeyInfo{id-dsa, Dss-Parms{p, q, g}, BIT STRING{INTEGER y}}. */
export function dsaSpki(parts: DsaPublicParts): Uint8Array {
  const SEQUENCE = 0x30;
  const BIT_STRING = 0x03;
  const int = derUnsignedInteger;
  const params = derTlv(
    SEQUENCE,
    new Uint8Array([...int(parts.p), ...int(parts.q), ...int(parts.g)]),
  );
  const algorithm = derTlv(SEQUENCE, new Uint8Array([...ID_DSA, ...params]));
  const key = derTlv(BIT_STRING, new Uint8Array([0, ...int(parts.y)]));
  return derTlv(SEQUENCE, new Uint8Array([...algorithm, ...key]));
}

function checkSizes(p: bigint, q: bigint, options: OperationOptions | undefined): number {
  const [l, n] = [bitLength(p), bitLength(q)];
  const allowed = DSA_SIZES.filter((s) => s.legacy !== true || options?.allowRsa1024 === true);
  if (!allowed.some((s) => s.l === l && s.n === n)) {
    const list = allowed.map((s) => `${s.l}/${s.n}`).join(", ");
    throw kmipErrors.invalidField(
      `${OP}: a DSA key with a ${l}-bit P and a ${n}-bit Q is not accepted (P/Q bits: ${list}; FIPS 186-4)`,
    );
  }
  return l;
}

/** Reads Transparent DSA Public Key material and checks it. */
function readDsaPublicKey(
  material: TtlvItem,
  options: OperationOptions | undefined,
): { parts: DsaPublicParts; bits: number } {
  if (material.type !== "Structure") {
    throw kmipErrors.invalidField(
      `Key Material: a Transparent DSA Public Key is a Structure, got ${material.type}`,
    );
  }
  const [p, q, g, y] = [Tag.P, Tag.Q, Tag.G, Tag.Y].map((tag) =>
    required(material, tag, "BigInteger"),
  ) as [bigint, bigint, bigint, bigint];
  const bits = checkSizes(p, q, options);
  if (g <= 1n || g >= p || y <= 1n || y >= p) {
    throw kmipErrors.invalidField("Key Material: G and Y of a DSA key lie between 1 and P");
  }
  const parts = {
    p: unsigned(p, "P"),
    q: unsigned(q, "Q"),
    g: unsigned(g, "G"),
    y: unsigned(y, "Y"),
  };
  try {
    createPublicKey({ key: Buffer.from(dsaSpki(parts)), format: "der", type: "spki" });
  } catch {
    throw kmipErrors.invalidField("Key Material is not a valid DSA public key");
  }
  return { parts, bits };
}

/** CKA_KEY_TYPE and the material of a DSA public key, and what it is. */
export function dsaPublicKeyAttributes(
  material: TtlvItem,
  options: OperationOptions | undefined,
): { attrs: Attr[]; facts: KeyFacts } {
  const { parts, bits } = readDsaPublicKey(material, options);
  const attrs: Attr[] = [
    { type: CKA.KEY_TYPE, value: CKK.DSA },
    { type: CKA.PRIME, value: parts.p },
    { type: CKA.SUBPRIME, value: parts.q },
    { type: CKA.BASE, value: parts.g },
    { type: CKA.VALUE, value: parts.y },
  ];
  return { attrs, facts: { algorithms: [CryptographicAlgorithm.DSA], bits, name: "DSA" } };
}
