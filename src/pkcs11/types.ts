/**
 * Plain data exchanged with the PKCS#11 layer. Everything here crosses the RPC between the
 * relay and its worker processes, so it holds no handles, functions or class instances.
 */

/**
 * Which token an operation addresses, as given in the KMIP Username: it is matched first
 * against token labels (trailing blanks ignored), then as a decimal slot id, then as a slot
 * index (position in the list of slots with a token).
 */
export type TokenSelector = string;

/**
 * A token object as the relay identifies it: CKA_ID plus CKA_CLASS. PKCS#11 object handles
 * are per process and never leave a worker.
 */
export interface ObjectRef {
  readonly id: Uint8Array;
  readonly cls: number;
}

/**
 * An attribute value in a template: bytes as they are; booleans as CK_BBOOL; numbers as
 * CK_ULONG; bigints as unsigned big-endian bytes (e.g. CKA_PUBLIC_EXPONENT); strings as UTF-8
 * bytes (e.g. CKA_LABEL).
 */
export type AttrValue = Uint8Array | boolean | number | bigint | string;

/** A template entry: a CKA_* type and its value. */
export interface Attr {
  readonly type: number;
  readonly value: AttrValue;
}

/** CK_GCM_PARAMS (CKM_AES_GCM). */
export interface GcmParams {
  readonly iv: Uint8Array;
  readonly aad?: Uint8Array;
  readonly tagBits: number;
}

/** CK_RSA_PKCS_OAEP_PARAMS (CKM_RSA_PKCS_OAEP); `source` is the label (CKZ_DATA_SPECIFIED). */
export interface OaepParams {
  readonly hashAlg: number;
  readonly mgf: number;
  readonly source?: Uint8Array;
}

/** CK_RSA_PKCS_PSS_PARAMS (CKM_RSA_PKCS_PSS and the SHA*_RSA_PKCS_PSS mechanisms). */
export interface PssParams {
  readonly hashAlg: number;
  readonly mgf: number;
  readonly saltLen: number;
}

/**
 * A CK_MECHANISM: its CKM_* type and, where the mechanism needs one, its parameter. The
 * parameter kind follows from its fields: `iv` (GCM), `saltLen` (PSS), else `hashAlg` (OAEP);
 * raw bytes for mechanisms taking a byte string (e.g. the IV of CKM_AES_CBC).
 */
export interface Mechanism {
  readonly type: number;
  readonly parameter?: Uint8Array | GcmParams | OaepParams | PssParams;
}

/** CK_VERSION. */
export interface Version {
  readonly major: number;
  readonly minor: number;
}

/** CK_INFO, from C_GetInfo. */
export interface LibraryInfo {
  readonly cryptokiVersion: Version;
  readonly manufacturerId: string;
  readonly libraryDescription: string;
  readonly libraryVersion: Version;
  readonly flags: number;
}

/** CK_SLOT_INFO, plus the slot id (decimal string: CK_SLOT_ID is 64 bits) and index. */
export interface SlotInfo {
  readonly slotId: string;
  readonly index: number;
  readonly description: string;
  readonly manufacturerId: string;
  readonly flags: number;
  readonly hardwareVersion: Version;
  readonly firmwareVersion: Version;
}

/** CK_TOKEN_INFO (string fields with their blank padding trimmed). */
export interface TokenInfo {
  readonly label: string;
  readonly manufacturerId: string;
  readonly model: string;
  readonly serialNumber: string;
  readonly flags: number;
  readonly minPinLen: number;
  readonly maxPinLen: number;
  readonly hardwareVersion: Version;
  readonly firmwareVersion: Version;
}

/** One slot that holds a token, as listed by `listTokens`. */
export interface TokenSummary {
  readonly slotId: string;
  readonly index: number;
  readonly label: string;
  readonly manufacturerId: string;
  readonly model: string;
  readonly serialNumber: string;
  readonly flags: number;
}

/** A data object (CKO_DATA) as the relay names it: its CKA_APPLICATION and CKA_LABEL. */
export interface DataObjectName {
  readonly application: string;
  readonly label: string;
}

/** Attribute values read back: `null` where the token reports the value as unavailable. */
export type AttrValues = Map<number, Uint8Array | null>;
