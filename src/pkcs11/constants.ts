/**
 * PKCS#11 (Cryptoki v2.40 / v3.0) numbers used by the relay, declared once as name -> number
 * tables with derived reverse maps. pkcs11js lacks the EdDSA numbers (CKK_EC_EDWARDS,
 * CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA, from PKCS#11 v3.0), so the relay keeps its own tables.
 */

/** Builds a number -> name map from a name -> number table (first name wins on duplicates). */
function reverse<T extends Record<string, number>>(table: T, prefix: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const [name, value] of Object.entries(table)) {
    if (!map.has(value)) map.set(value, `${prefix}${name}`);
  }
  return map;
}

/** Formats an unknown value as `<prefix>0x...` so messages stay readable. */
function unknownName(prefix: string, value: number): string {
  return `${prefix}0x${value.toString(16).padStart(8, "0")}`;
}

/** Object classes (CKO_*). */
export const CKO = {
  DATA: 0x0,
  CERTIFICATE: 0x1,
  PUBLIC_KEY: 0x2,
  PRIVATE_KEY: 0x3,
  SECRET_KEY: 0x4,
} as const;

/** Key types (CKK_*). */
export const CKK = {
  RSA: 0x0,
  DSA: 0x1,
  DH: 0x2,
  EC: 0x3,
  GENERIC_SECRET: 0x10,
  DES3: 0x15,
  AES: 0x1f,
  EC_EDWARDS: 0x40,
} as const;

/** User types for C_Login (CKU_*). */
export const CKU = {
  SO: 0x0,
  USER: 0x1,
  CONTEXT_SPECIFIC: 0x2,
} as const;

/** Attribute types (CKA_*). */
export const CKA = {
  CLASS: 0x0,
  TOKEN: 0x1,
  PRIVATE: 0x2,
  LABEL: 0x3,
  APPLICATION: 0x10,
  VALUE: 0x11,
  OBJECT_ID: 0x12,
  CERTIFICATE_TYPE: 0x80,
  ISSUER: 0x81,
  SERIAL_NUMBER: 0x82,
  KEY_TYPE: 0x100,
  SUBJECT: 0x101,
  ID: 0x102,
  SENSITIVE: 0x103,
  ENCRYPT: 0x104,
  DECRYPT: 0x105,
  WRAP: 0x106,
  UNWRAP: 0x107,
  SIGN: 0x108,
  SIGN_RECOVER: 0x109,
  VERIFY: 0x10a,
  VERIFY_RECOVER: 0x10b,
  DERIVE: 0x10c,
  START_DATE: 0x110,
  END_DATE: 0x111,
  MODULUS: 0x120,
  MODULUS_BITS: 0x121,
  PUBLIC_EXPONENT: 0x122,
  PRIVATE_EXPONENT: 0x123,
  PRIME_1: 0x124,
  PRIME_2: 0x125,
  EXPONENT_1: 0x126,
  EXPONENT_2: 0x127,
  COEFFICIENT: 0x128,
  PUBLIC_KEY_INFO: 0x129,
  PRIME: 0x130,
  SUBPRIME: 0x131,
  BASE: 0x132,
  VALUE_BITS: 0x160,
  VALUE_LEN: 0x161,
  EXTRACTABLE: 0x162,
  LOCAL: 0x163,
  NEVER_EXTRACTABLE: 0x164,
  ALWAYS_SENSITIVE: 0x165,
  KEY_GEN_MECHANISM: 0x166,
  MODIFIABLE: 0x170,
  COPYABLE: 0x171,
  DESTROYABLE: 0x172,
  EC_PARAMS: 0x180,
  EC_POINT: 0x181,
  ALWAYS_AUTHENTICATE: 0x202,
  WRAP_WITH_TRUSTED: 0x210,
  ALLOWED_MECHANISMS: 0x40000600,
} as const;

/** Mechanisms (CKM_*). */
export const CKM = {
  RSA_PKCS_KEY_PAIR_GEN: 0x0,
  RSA_PKCS: 0x1,
  RSA_X_509: 0x3,
  SHA1_RSA_PKCS: 0x6,
  RSA_PKCS_OAEP: 0x9,
  RSA_PKCS_PSS: 0xd,
  SHA1_RSA_PKCS_PSS: 0xe,
  SHA256_RSA_PKCS: 0x40,
  SHA384_RSA_PKCS: 0x41,
  SHA512_RSA_PKCS: 0x42,
  SHA256_RSA_PKCS_PSS: 0x43,
  SHA384_RSA_PKCS_PSS: 0x44,
  SHA512_RSA_PKCS_PSS: 0x45,
  SHA224_RSA_PKCS: 0x46,
  SHA224_RSA_PKCS_PSS: 0x47,
  DSA: 0x11,
  DSA_SHA1: 0x12,
  DSA_SHA224: 0x13,
  DSA_SHA256: 0x14,
  DSA_SHA384: 0x15,
  DSA_SHA512: 0x16,
  DES3_KEY_GEN: 0x131,
  DES3_ECB: 0x132,
  DES3_CBC: 0x133,
  DES3_CBC_PAD: 0x136,
  SHA_1: 0x220,
  SHA256: 0x250,
  SHA256_HMAC: 0x251,
  SHA224: 0x255,
  SHA384: 0x260,
  SHA384_HMAC: 0x261,
  SHA512: 0x270,
  SHA512_HMAC: 0x271,
  GENERIC_SECRET_KEY_GEN: 0x350,
  EC_KEY_PAIR_GEN: 0x1040,
  ECDSA: 0x1041,
  ECDSA_SHA1: 0x1042,
  ECDSA_SHA224: 0x1043,
  ECDSA_SHA256: 0x1044,
  ECDSA_SHA384: 0x1045,
  ECDSA_SHA512: 0x1046,
  EC_EDWARDS_KEY_PAIR_GEN: 0x1055,
  EDDSA: 0x1057,
  AES_KEY_GEN: 0x1080,
  AES_ECB: 0x1081,
  AES_CBC: 0x1082,
  AES_CBC_PAD: 0x1085,
  AES_GCM: 0x1087,
  AES_CMAC: 0x108a,
  AES_KEY_WRAP: 0x2109,
  AES_KEY_WRAP_PAD: 0x210a,
} as const;

/** Mask generation functions for RSA OAEP/PSS (CKG_*). */
export const CKG = {
  MGF1_SHA1: 0x1,
  MGF1_SHA256: 0x2,
  MGF1_SHA384: 0x3,
  MGF1_SHA512: 0x4,
  MGF1_SHA224: 0x5,
} as const;

/** OAEP encoding parameter source (CKZ_*). */
export const CKZ = {
  DATA_SPECIFIED: 0x1,
} as const;

/**
 * Flags (CKF_*). Values overlap between contexts (token, slot, session, C_Initialize), so
 * there is no single reverse map: see {@link tokenFlagNames}.
 */
export const CKF = {
  // CK_SLOT_INFO.flags
  TOKEN_PRESENT: 0x1,
  REMOVABLE_DEVICE: 0x2,
  HW_SLOT: 0x4,
  // CK_TOKEN_INFO.flags
  RNG: 0x1,
  WRITE_PROTECTED: 0x2,
  LOGIN_REQUIRED: 0x4,
  USER_PIN_INITIALIZED: 0x8,
  PROTECTED_AUTHENTICATION_PATH: 0x100,
  TOKEN_INITIALIZED: 0x400,
  USER_PIN_LOCKED: 0x40000,
  // C_OpenSession flags
  RW_SESSION: 0x2,
  SERIAL_SESSION: 0x4,
  // CK_C_INITIALIZE_ARGS.flags
  OS_LOCKING_OK: 0x2,
} as const;

/** Return values (CKR_*). */
export const CKR = {
  OK: 0x0,
  CANCEL: 0x1,
  HOST_MEMORY: 0x2,
  SLOT_ID_INVALID: 0x3,
  GENERAL_ERROR: 0x5,
  FUNCTION_FAILED: 0x6,
  ARGUMENTS_BAD: 0x7,
  NO_EVENT: 0x8,
  NEED_TO_CREATE_THREADS: 0x9,
  CANT_LOCK: 0xa,
  ATTRIBUTE_READ_ONLY: 0x10,
  ATTRIBUTE_SENSITIVE: 0x11,
  ATTRIBUTE_TYPE_INVALID: 0x12,
  ATTRIBUTE_VALUE_INVALID: 0x13,
  ACTION_PROHIBITED: 0x1b,
  DATA_INVALID: 0x20,
  DATA_LEN_RANGE: 0x21,
  DEVICE_ERROR: 0x30,
  DEVICE_MEMORY: 0x31,
  DEVICE_REMOVED: 0x32,
  ENCRYPTED_DATA_INVALID: 0x40,
  ENCRYPTED_DATA_LEN_RANGE: 0x41,
  FUNCTION_CANCELED: 0x50,
  FUNCTION_NOT_PARALLEL: 0x51,
  FUNCTION_NOT_SUPPORTED: 0x54,
  KEY_HANDLE_INVALID: 0x60,
  KEY_SIZE_RANGE: 0x62,
  KEY_TYPE_INCONSISTENT: 0x63,
  KEY_NOT_NEEDED: 0x64,
  KEY_CHANGED: 0x65,
  KEY_NEEDED: 0x66,
  KEY_INDIGESTIBLE: 0x67,
  KEY_FUNCTION_NOT_PERMITTED: 0x68,
  KEY_NOT_WRAPPABLE: 0x69,
  KEY_UNEXTRACTABLE: 0x6a,
  MECHANISM_INVALID: 0x70,
  MECHANISM_PARAM_INVALID: 0x71,
  OBJECT_HANDLE_INVALID: 0x82,
  OPERATION_ACTIVE: 0x90,
  OPERATION_NOT_INITIALIZED: 0x91,
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  SESSION_CLOSED: 0xb0,
  SESSION_COUNT: 0xb1,
  SESSION_HANDLE_INVALID: 0xb3,
  SESSION_PARALLEL_NOT_SUPPORTED: 0xb4,
  SESSION_READ_ONLY: 0xb5,
  SESSION_EXISTS: 0xb6,
  SESSION_READ_ONLY_EXISTS: 0xb7,
  SESSION_READ_WRITE_SO_EXISTS: 0xb8,
  SIGNATURE_INVALID: 0xc0,
  SIGNATURE_LEN_RANGE: 0xc1,
  TEMPLATE_INCOMPLETE: 0xd0,
  TEMPLATE_INCONSISTENT: 0xd1,
  TOKEN_NOT_PRESENT: 0xe0,
  TOKEN_NOT_RECOGNIZED: 0xe1,
  TOKEN_WRITE_PROTECTED: 0xe2,
  UNWRAPPING_KEY_HANDLE_INVALID: 0xf0,
  UNWRAPPING_KEY_SIZE_RANGE: 0xf1,
  UNWRAPPING_KEY_TYPE_INCONSISTENT: 0xf2,
  USER_ALREADY_LOGGED_IN: 0x100,
  USER_NOT_LOGGED_IN: 0x101,
  USER_PIN_NOT_INITIALIZED: 0x102,
  USER_TYPE_INVALID: 0x103,
  USER_ANOTHER_ALREADY_LOGGED_IN: 0x104,
  USER_TOO_MANY_TYPES: 0x105,
  WRAPPED_KEY_INVALID: 0x110,
  WRAPPED_KEY_LEN_RANGE: 0x112,
  WRAPPING_KEY_HANDLE_INVALID: 0x113,
  WRAPPING_KEY_SIZE_RANGE: 0x114,
  WRAPPING_KEY_TYPE_INCONSISTENT: 0x115,
  RANDOM_SEED_NOT_SUPPORTED: 0x120,
  RANDOM_NO_RNG: 0x121,
  DOMAIN_PARAMS_INVALID: 0x130,
  CURVE_NOT_SUPPORTED: 0x140,
  BUFFER_TOO_SMALL: 0x150,
  SAVED_STATE_INVALID: 0x160,
  INFORMATION_SENSITIVE: 0x170,
  STATE_UNSAVEABLE: 0x180,
  CRYPTOKI_NOT_INITIALIZED: 0x190,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
  MUTEX_BAD: 0x1a0,
  MUTEX_NOT_LOCKED: 0x1a1,
  NEW_PIN_MODE: 0x1b0,
  NEXT_OTP: 0x1b1,
  EXCEEDED_MAX_ITERATIONS: 0x1b5,
  FIPS_SELF_TEST_FAILED: 0x1b6,
  LIBRARY_LOAD_FAILED: 0x1b7,
  PIN_TOO_WEAK: 0x1b8,
  PUBLIC_KEY_INVALID: 0x1b9,
  FUNCTION_REJECTED: 0x200,
  VENDOR_DEFINED: 0x80000000,
} as const;

/** A CKR_* value. */
export type CkrName = keyof typeof CKR;

const CKA_NAMES = reverse(CKA, "CKA_");
const CKO_NAMES = reverse(CKO, "CKO_");
const CKK_NAMES = reverse(CKK, "CKK_");
const CKM_NAMES = reverse(CKM, "CKM_");
const CKR_NAMES = reverse(CKR, "CKR_");

/** Name of a return value, e.g. `ckrName(0xa0) === "CKR_PIN_INCORRECT"`. */
export function ckrName(value: number): string {
  return CKR_NAMES.get(value) ?? unknownName("CKR_", value);
}

/** Name of an attribute type, e.g. `CKA_EC_POINT`. */
export function ckaName(value: number): string {
  return CKA_NAMES.get(value) ?? unknownName("CKA_", value);
}

/** Name of an object class, e.g. `CKO_PRIVATE_KEY`. */
export function ckoName(value: number): string {
  return CKO_NAMES.get(value) ?? unknownName("CKO_", value);
}

/** Name of a key type, e.g. `CKK_EC_EDWARDS`. */
export function ckkName(value: number): string {
  return CKK_NAMES.get(value) ?? unknownName("CKK_", value);
}

/** Name of a mechanism, e.g. `CKM_EDDSA`. */
export function ckmName(value: number): string {
  return CKM_NAMES.get(value) ?? unknownName("CKM_", value);
}

const TOKEN_FLAGS = [
  "RNG",
  "WRITE_PROTECTED",
  "LOGIN_REQUIRED",
  "USER_PIN_INITIALIZED",
  "PROTECTED_AUTHENTICATION_PATH",
  "TOKEN_INITIALIZED",
  "USER_PIN_LOCKED",
] as const;

/** Names of the CK_TOKEN_INFO flags set in `flags`, e.g. `["CKF_RNG", "CKF_LOGIN_REQUIRED"]`. */
export function tokenFlagNames(flags: number): string[] {
  return TOKEN_FLAGS.filter((name) => (flags & CKF[name]) !== 0).map((name) => `CKF_${name}`);
}
