/**
 * The tables of the applicability rules (docs/conformance.md, "Applicability"): what makes a
 * test case not applicable to a KMIP relay on a PKCS#11 token, each with the reason reported.
 */
import { CryptographicAlgorithm, ObjectType, Operation } from "../../src/kmip/enums.js";
import { Tag } from "../../src/kmip/tags.js";

/** Profile sets that test something other than a KMIP server over TTLV. */
export const NA_SETS: Readonly<Record<string, string>> = {
  MSGENC: "message encoding other than TTLV over TLS (HTTPS, JSON, XML)",
};

/** Test-harness operations: steps that are not sent to the server (KMIP 2.1 section 6.1.27). */
export const HARNESS_OPERATIONS: ReadonlySet<number> = new Set([Operation.Interop]);

/** Operations outside the relay's purpose, with the reason. */
export const NA_OPERATIONS: ReadonlyMap<number, string> = new Map([
  [Operation.ReKey, "Re-key: successor keys linked by server-side state PKCS#11 does not keep"],
  [Operation.ReKeyKeyPair, "Re-key Key Pair: successor keys linked by server-side state"],
  [Operation.DeriveKey, "Derive Key: key derivation is outside the relay's purpose"],
  [Operation.Certify, "Certify: the relay is no certification authority"],
  [Operation.ReCertify, "Re-certify: the relay is no certification authority"],
  [Operation.Validate, "Validate: certificate chains are outside the relay's purpose"],
  [Operation.ObtainLease, "Obtain Lease: PKCS#11 keeps no lease times"],
  [Operation.GetUsageAllocation, "Get Usage Allocation: PKCS#11 keeps no usage limits"],
  [Operation.Archive, "Archive: PKCS#11 has no archive state"],
  [Operation.Recover, "Recover: PKCS#11 has no archive state"],
  [Operation.Cancel, "Cancel: the relay runs no asynchronous operations"],
  [Operation.Poll, "Poll: the relay runs no asynchronous operations"],
  [Operation.QueryAsynchronousRequests, "asynchronous operations"],
  [Operation.Notify, "Notify: server-to-client messages"],
  [Operation.Put, "Put: server-to-client messages"],
  [Operation.CreateSplitKey, "Split keys: no PKCS#11 object"],
  [Operation.JoinSplitKey, "Split keys: no PKCS#11 object"],
  [Operation.Import, "Import: carries server-side object state PKCS#11 does not keep"],
  [Operation.Export, "Export: carries server-side object state PKCS#11 does not keep"],
  [Operation.AdjustAttribute, "Adjust Attribute: numeric attributes PKCS#11 does not keep"],
  [Operation.Login, "Login: the relay authenticates each request by Username/Password"],
  [Operation.Logout, "Logout: the relay authenticates each request by Username/Password"],
  [Operation.DelegatedLogin, "Delegated Login: no ticket-based authentication"],
  [Operation.SetEndpointRole, "Set Endpoint Role: the relay is only a server"],
  [Operation.ReProvision, "Re-Provision: client provisioning"],
  [Operation.SetDefaults, "Set Defaults: server-wide defaults are configuration"],
  [Operation.SetConstraints, "Set Constraints: server-wide constraints are configuration"],
  [Operation.GetConstraints, "Get Constraints: server-wide constraints are configuration"],
  [Operation.PKCS_11, "PKCS#11 operation: raw PKCS#11 calls are not relayed to clients"],
  [Operation.Process, "Process: outside the relay's purpose"],
]);

/** Object types no PKCS#11 key holds, or outside the relay's purpose (keys only). */
export const NA_OBJECT_TYPES: ReadonlyMap<number, string> = new Map([
  [ObjectType.Certificate, "Certificate objects (the relay keeps keys only)"],
  [ObjectType.CertificateRequest, "Certificate Request objects"],
  [ObjectType.SecretData, "Secret Data objects (the relay keeps keys only)"],
  [ObjectType.OpaqueObject, "Opaque objects (the relay keeps keys only)"],
  [ObjectType.SplitKey, "Split Key objects: no PKCS#11 counterpart"],
  [ObjectType.Template, "Template objects: no PKCS#11 counterpart"],
  [ObjectType.PGPKey, "PGP Key objects"],
]);

const NO_MECHANISM = "SoftHSM2 2.6 has no mechanism for it";

/**
 * Algorithms the token (SoftHSM2 2.6: AES, DES, DES3, RSA, DSA, DH, EC, EdDSA, GOST, HMAC,
 * SHA-1/2) has no mechanism for.
 */
export const NA_TOKEN_ALGORITHMS: ReadonlyMap<number, string> = new Map(
  (
    [
      "Blowfish",
      "Camellia",
      "CAST5",
      "IDEA",
      "MARS",
      "RC2",
      "RC4",
      "RC5",
      "SKIPJACK",
      "Twofish",
      "ChaCha20",
      "Poly1305",
      "ChaCha20Poly1305",
      "ARIA",
      "SEED",
      "SM2",
      "SM3",
      "SM4",
      "XMSS",
      "SPHINCS_256",
      "McEliece",
      "McEliece_6960119",
      "McEliece_8192128",
    ] as const
  ).map((name): [number, string] => [CryptographicAlgorithm[name], `${name}: ${NO_MECHANISM}`]),
);

const NO_TIMES = "PKCS#11 keeps no time stamps (CKA_START_DATE/CKA_END_DATE hold days only)";

/** Attributes a PKCS#11 token cannot report: a file whose responses expect one is N/A. */
export const NA_ATTRIBUTES: ReadonlyMap<number, string> = new Map([
  [Tag.ArchiveDate, NO_TIMES],
  [Tag.RandomNumberGenerator, "PKCS#11 does not say which RNG generated a key"],
  [Tag.LeaseTime, "PKCS#11 keeps no lease time"],
  [Tag.UsageLimits, "PKCS#11 keeps no usage limits"],
  [Tag.Fresh, "PKCS#11 keeps no Fresh flag"],
  [Tag.ObjectGroup, "PKCS#11 keeps no object groups"],
  [Tag.ContactInformation, "PKCS#11 keeps no contact information"],
  [Tag.Link, "PKCS#11 keeps no links (a key pair's shared CKA_ID gives at most its two halves)"],
  [Tag.ApplicationSpecificInformation, "PKCS#11 keeps no application-specific information"],
  [Tag.Description, "PKCS#11 keeps no description"],
  [Tag.Comment, "PKCS#11 keeps no comment"],
  [Tag.AlternativeName, "PKCS#11 keeps no alternative names"],
]);

/**
 * Attributes the relay reports for some keys only: N/A when a response expects one for a
 * private key (named by the payload's Object Type, or by a UID that a Create Key Pair
 * returned as Private Key Unique Identifier or a Register of a Private Key returned). The
 * relay gives Digest for public keys (hashed in the relay) and secret keys (C_DigestKey in
 * the token); PKCS#11 has no way to digest a private key without its material.
 */
export const NA_PRIVATE_KEY_ATTRIBUTES: ReadonlyMap<number, string> = new Map([
  [
    Tag.Digest,
    "PKCS#11 cannot digest a private key (C_DigestKey takes secret keys; the material stays in the token)",
  ],
]);

/** Request attributes whose enforcement decides the outcome, which PKCS#11 cannot do. */
export const ENFORCED_ATTRIBUTES: ReadonlyMap<number, string> = new Map([
  [Tag.UsageLimits, "the outcome depends on Usage Limits being enforced"],
]);

/**
 * Test cases whose own expectations are wrong, checked independently (node:crypto), by id.
 * Reported N/A with the check, never run as pass or fail.
 */
export const VECTOR_ERRATA: Readonly<Record<string, string>> = {
  "v1.3/CS-BC-M-6-13":
    "vector error: step 1 expects ciphertext fd912d102dbb482f6f6e91bd57119095, but AES-128-ECB of " +
    "the registered key 0123456789abcdef0123456789abcdef over 0102...16 is " +
    "d9bcce11b0b437b90239552df3a360c9 (node:crypto; the long-named v1.3 copy has it right)",
  "v1.3/CS-AC-M-3-ECC-13":
    "vector error: steps 3 and 4 verify the ECDSA signature of secp256k1 keys with Cryptographic " +
    "Parameters {PSS, SHA_256 / SHA_1, RSA} copied from CS-AC-M-3 and expect Valid / Invalid; " +
    "parameters for RSA on an EC key are refused (Invalid Field). Steps 0-2 (Register of both " +
    "secp256k1 halves, Sign) pass.",
  "v1.4/CS-BC-M-GCM-3-14_okms":
    "vector error: the multi-part Encrypt's Init sends IV 000000000000000000000000 but expects " +
    "61353b4c..., the ciphertext for IV cafebabefacedbad (the other steps' IV); AES-128-GCM " +
    "with the zero IV gives 938186c7dcf4773a... (node:crypto; v1.4/CS-BC-M-GCM-3-14 has it right)",
};

/**
 * Optional test cases that each fix one of several mutually exclusive server policies. For the
 * same 32-byte RNG Seed request (KMIP 1.4 section 4.36, 2.1 section 6.1.47: "the server MAY
 * use [...] the data", Data Length says how much), CS-RNG-O-2 expects Data Length 16, O-3
 * Data Length 0 and O-4 Permission Denied. The relay passes every byte to C_SeedRandom (Data
 * Length 32, which the mandatory CS-RNG-M-1 checks), so it can match none of them.
 */
export const SERVER_POLICY_FILES: ReadonlyArray<{
  readonly name: RegExp;
  readonly reason: string;
}> = [
  {
    name: /^CS-RNG-O-[234]-(13|14|20|21)$/,
    reason:
      "server seeding policy: CS-RNG-O-2/3/4 expect, for the same 32-byte RNG Seed, Data " +
      "Length 16, Data Length 0 and Permission Denied (three exclusive optional policies); " +
      "the relay passes all the bytes to C_SeedRandom (Data Length 32, as CS-RNG-M-1 checks)",
  },
  {
    name: /^BL-M-12-21$/,
    reason:
      "server key-size policy: registers a DSA public key with a 512-bit P, below every FIPS " +
      "186 size; the relay refuses it (DSA from 1024/160, that only with allow-rsa-1024). Its " +
      "later steps need a Sensitive public key (Get refused with Result Reason Sensitive, " +
      "Always Sensitive), which the relay does not keep either",
  },
];
