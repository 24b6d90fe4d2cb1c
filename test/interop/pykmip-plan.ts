/**
 * What the PyKMIP interop test asks PyKMIP to do in each KMIP version: which key pairs, which
 * Key Format Types to Get, which Sign parameter sets. RSA-3072 and RSA-4096 appear once each
 * (their generation on SoftHSM2 takes seconds); the rest is cheap and runs in every version.
 */
import type { KeySpec, KmipVersionName, SignSpec } from "./pykmip-driver.js";

/** The versions tested in full: PyKMIP 0.10 speaks 1.0-1.4 and 2.0. */
export const VERSIONS: readonly KmipVersionName[] = ["1.2", "1.4", "2.0"];
/** The other versions PyKMIP speaks: a short session each (SHORT_SESSION_KEYS). */
export const OTHER_VERSIONS: readonly KmipVersionName[] = ["1.0", "1.1", "1.3"];

const RSA_SIGNS: readonly SignSpec[] = [
  { id: "no-params", params: null },
  {
    id: "pkcs1-sha256",
    params: {
      cryptographic_algorithm: "RSA",
      padding_method: "PKCS1v15",
      hashing_algorithm: "SHA_256",
    },
  },
  {
    id: "pkcs1-sha384",
    params: {
      cryptographic_algorithm: "RSA",
      padding_method: "PKCS1v15",
      hashing_algorithm: "SHA_384",
    },
  },
  { id: "pkcs1-sha512-dsa", params: { digital_signature_algorithm: "SHA512_WITH_RSA_ENCRYPTION" } },
  { id: "pkcs1-sha256-dsa", params: { digital_signature_algorithm: "SHA256_WITH_RSA_ENCRYPTION" } },
  {
    id: "pss-sha256",
    params: { cryptographic_algorithm: "RSA", padding_method: "PSS", hashing_algorithm: "SHA_256" },
  },
  {
    id: "pss-sha384",
    params: { cryptographic_algorithm: "RSA", padding_method: "PSS", hashing_algorithm: "SHA_384" },
  },
  {
    id: "pss-sha512-dsa",
    params: { digital_signature_algorithm: "RSASSA_PSS", hashing_algorithm: "SHA_512" },
  },
];

const ECDSA_SIGNS: readonly SignSpec[] = [
  { id: "no-params", params: null },
  {
    id: "ecdsa-sha256",
    params: { cryptographic_algorithm: "ECDSA", hashing_algorithm: "SHA_256" },
  },
  { id: "ec-sha384", params: { cryptographic_algorithm: "EC", hashing_algorithm: "SHA_384" } },
  { id: "ecdsa-sha256-dsa", params: { digital_signature_algorithm: "ECDSA_WITH_SHA256" } },
  { id: "ecdsa-sha384-dsa", params: { digital_signature_algorithm: "ECDSA_WITH_SHA384" } },
];

const RSA_FORMATS = ["PKCS_1", "X_509"];
const SPKI_FORMATS = ["RAW", "X_509"];

function rsa(bits: number, signs: readonly SignSpec[] = RSA_SIGNS): KeySpec {
  return { label: `rsa${bits}`, algorithm: "RSA", length: bits, getFormats: RSA_FORMATS, signs };
}

/** EC keys: P-256 via algorithm EC, P-384 via ECDSA, P-521 via EC (both spellings). */
const EC_KEYS: readonly KeySpec[] = [
  { label: "p256", algorithm: "EC", length: 256, getFormats: SPKI_FORMATS, signs: ECDSA_SIGNS },
  { label: "p384", algorithm: "ECDSA", length: 384, getFormats: SPKI_FORMATS, signs: ECDSA_SIGNS },
  {
    label: "p521",
    algorithm: "EC",
    length: 521,
    getFormats: SPKI_FORMATS,
    signs: [
      {
        id: "ecdsa-sha256",
        params: { cryptographic_algorithm: "ECDSA", hashing_algorithm: "SHA_256" },
      },
      {
        id: "ecdsa-sha512",
        params: { cryptographic_algorithm: "ECDSA", hashing_algorithm: "SHA_512" },
      },
    ],
  },
];

/** Ed25519 (Cryptographic Algorithm 0x37, a KMIP 2.x value): only in the 2.0 session. */
const ED25519: KeySpec = {
  label: "ed25519",
  algorithm: "ED25519",
  length: 256,
  getFormats: SPKI_FORMATS,
  signs: [
    { id: "eddsa", params: { cryptographic_algorithm: "ED25519" } },
    { id: "eddsa-no-params", params: null },
  ],
};

/**
 * Data spanning several TLS records (16 KiB each). Not more: PyKMIP encodes a Byte String one
 * byte at a time into a stream that it copies on every write (quadratic: 64 KiB ~0.1 s,
 * 512 KiB ~9 s in PyKMIP alone).
 */
const LARGE = 64 * 1024;

/** One key with one more Sign: `extra`, over LARGE bytes of data. */
function withLargeSign(spec: KeySpec, extra: SignSpec): KeySpec {
  return { ...spec, signs: [...spec.signs, { ...extra, id: `${extra.id}-64KiB`, size: LARGE }] };
}

/** One P-256 pair, two Signs: the short session of OTHER_VERSIONS. */
export const SHORT_SESSION_KEYS: readonly KeySpec[] = [
  { ...(EC_KEYS[0] as KeySpec), signs: ECDSA_SIGNS.slice(0, 2) },
];

/** The key pairs to take through their life cycle in a session of `version`. */
export function keysFor(version: KmipVersionName): KeySpec[] {
  const [p256, ...otherEc] = EC_KEYS as [KeySpec, ...KeySpec[]];
  switch (version) {
    case "1.2":
      return [rsa(2048), ...EC_KEYS];
    case "1.4":
      return [rsa(3072), withLargeSign(p256, ECDSA_SIGNS[1] as SignSpec), ...otherEc];
    case "2.0":
      return [
        withLargeSign(rsa(2048), RSA_SIGNS[1] as SignSpec),
        rsa(4096, RSA_SIGNS.slice(0, 2)),
        ...EC_KEYS,
        ED25519,
      ];
    default:
      return [...SHORT_SESSION_KEYS];
  }
}

/** Keys for one of several PyKMIP clients running at once (cheap, one Sign each). */
export function parallelKeysFor(version: KmipVersionName): KeySpec[] {
  const keys: KeySpec[] = [
    { ...rsa(2048, RSA_SIGNS.slice(1, 2)), label: "parallel-rsa2048" },
    { ...(EC_KEYS[0] as KeySpec), label: "parallel-p256", signs: ECDSA_SIGNS.slice(1, 2) },
  ];
  if (version === "2.0")
    keys.push({ ...ED25519, label: "parallel-ed25519", signs: ED25519.signs.slice(0, 1) });
  return keys;
}

/** The KMIP 1.2 session pins TLS 1.2 (PROTOCOL_TLSv1_2); the others let OpenSSL negotiate 1.3. */
export function tlsFor(version: KmipVersionName): "negotiate" | "1.2" {
  return version === "1.2" ? "1.2" : "negotiate";
}

/** node:crypto's name of each EC key's curve. */
export const NODE_CURVE: Readonly<Record<number, string>> = {
  256: "prime256v1",
  384: "secp384r1",
  521: "secp521r1",
};
