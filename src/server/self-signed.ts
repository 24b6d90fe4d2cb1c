// The relay's own self-signed TLS certificate: an ECDSA P-256 key (node:crypto) and an
// X.509 v3 certificate (RFC 5280) encoded with our small DER writer. Pure: no I/O.
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import * as der from "./der.js";

/** Object identifiers used in the generated certificate (RFC 5280, RFC 5758, RFC 5480). */
const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** GeneralName choices (RFC 5280 section 4.2.1.6) and key usage bits (section 4.2.1.3). */
const GENERAL_NAME = { dnsName: 2, ipAddress: 7 } as const;
const KEY_USAGE_DIGITAL_SIGNATURE = Buffer.of(0x80); // bit 0, the 7 other bits unused
const KEY_USAGE_UNUSED_BITS = 7;
/** AuthorityKeyIdentifier's keyIdentifier is `[0] IMPLICIT`. */
const AKI_KEY_IDENTIFIER = 0;
/** TBSCertificate's version is `[0] EXPLICIT`, its extensions `[3] EXPLICIT`; v3 is 2. */
const TBS_VERSION = 0;
const TBS_EXTENSIONS = 3;
const X509_V3 = 2;

/** What the generated certificate says. */
export const SELF_SIGNED = {
  commonName: "kmip2pkcs11",
  dnsNames: ["localhost"],
  ipAddresses: ["127.0.0.1", "::1"],
  validityDays: 3650,
  /** notBefore lies this far back, for clients whose clock is a little behind. */
  backdateMs: 60 * 60 * 1000,
} as const;

const DAY_MS = 86_400_000;
/** SEC 1 section 2.3.3: an uncompressed EC point is 04 || x || y. */
const SEC1_UNCOMPRESSED = 0x04;
/** The serial's first byte: sign bit cleared (positive), lowest bit set (non-zero). */
const SERIAL_CLEAR_SIGN = 0x7f;
const SERIAL_NON_ZERO = 0x01;

/**
 * Generates an ECDSA P-256 key and a self-signed X.509 v3 certificate for it (CN kmip2pkcs11,
 * SAN DNS:localhost, IP:127.0.0.1, IP:::1, serverAuth, ~10 years). No I/O.
 */
export function generateSelfSignedIdentity(now: Date): { certPem: string; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const keyId = subjectKeyIdentifier(publicKey.export({ format: "jwk" }));
  const tbs = tbsCertificate(now, spki, keyId);
  const signature = sign("sha256", tbs, privateKey); // DER Ecdsa-Sig-Value
  const certDer = der.sequence(
    tbs,
    der.sequence(der.objectIdentifier(OID.ecdsaWithSha256)),
    der.bitString(signature),
  );
  return {
    certPem: toPem("CERTIFICATE", certDer),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** RFC 5280 section 4.2.1.2, method (1): SHA-1 of the subjectPublicKey (04 || x || y). */
function subjectKeyIdentifier(jwk: { x?: string; y?: string }): Buffer {
  const point = Buffer.concat([
    Buffer.of(SEC1_UNCOMPRESSED),
    Buffer.from(jwk.x ?? "", "base64url"),
    Buffer.from(jwk.y ?? "", "base64url"),
  ]);
  return createHash("sha1").update(point).digest();
}

/** TBSCertificate (RFC 5280 section 4.1). */
function tbsCertificate(now: Date, spki: Buffer, keyId: Buffer): Buffer {
  const name = der.sequence(
    der.set(
      der.sequence(der.objectIdentifier(OID.commonName), der.utf8String(SELF_SIGNED.commonName)),
    ),
  );
  const notBefore = new Date(now.getTime() - SELF_SIGNED.backdateMs);
  const notAfter = new Date(now.getTime() + SELF_SIGNED.validityDays * DAY_MS);
  return der.sequence(
    der.explicit(TBS_VERSION, der.smallInteger(X509_V3)),
    der.unsignedInteger(serialNumber()),
    der.sequence(der.objectIdentifier(OID.ecdsaWithSha256)),
    name,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    name,
    spki,
    der.explicit(TBS_EXTENSIONS, der.sequence(...extensions(keyId))),
  );
}

/** 16 random bytes, positive and non-zero (RFC 5280 section 4.1.2.2: at most 20 octets). */
function serialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & SERIAL_CLEAR_SIGN) | SERIAL_NON_ZERO;
  return serial;
}

function extensions(keyId: Buffer): Buffer[] {
  const altNames = [
    ...SELF_SIGNED.dnsNames.map((n) =>
      der.implicitPrimitive(GENERAL_NAME.dnsName, Buffer.from(n, "ascii")),
    ),
    ...SELF_SIGNED.ipAddresses.map((ip) =>
      der.implicitPrimitive(GENERAL_NAME.ipAddress, ipBytes(ip)),
    ),
  ];
  return [
    extension(OID.basicConstraints, true, der.sequence()), // cA FALSE (the default, omitted)
    extension(
      OID.keyUsage,
      true,
      der.bitString(KEY_USAGE_DIGITAL_SIGNATURE, KEY_USAGE_UNUSED_BITS),
    ),
    extension(OID.extKeyUsage, false, der.sequence(der.objectIdentifier(OID.serverAuth))),
    extension(OID.subjectAltName, false, der.sequence(...altNames)),
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyId)),
    extension(
      OID.authorityKeyIdentifier,
      false,
      der.sequence(der.implicitPrimitive(AKI_KEY_IDENTIFIER, keyId)),
    ),
  ];
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? der.sequence(der.objectIdentifier(oid), der.boolean(true), der.octetString(value))
    : der.sequence(der.objectIdentifier(oid), der.octetString(value));
}

/** The 4 or 16 bytes of an IP address literal. */
function ipBytes(ip: string): Buffer {
  if (!ip.includes(":")) return Buffer.from(ip.split(".").map(Number));
  const [head = "", tail = ""] = ip.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return Buffer.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

function toPem(label: string, body: Buffer): string {
  const lines = body.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
