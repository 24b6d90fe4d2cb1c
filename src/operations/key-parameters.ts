/**
 * A key's Cryptographic Parameters attribute (KMIP 1.4 section 3.6) kept on the token. KMIP
 * 1.4 sections 4.29-4.34: an operation whose request has no Cryptographic Parameters uses
 * the key's. PKCS#11 has no such attribute, so the relay records the one mechanism the
 * parameters imply in CKA_ALLOWED_MECHANISMS (PKCS#11 v2.40 section 4.4; SoftHSM2 2.5+
 * enforces it) and reads it back as the default:
 *
 * | Cryptographic Parameters              | CKA_ALLOWED_MECHANISMS |
 * |---------------------------------------|------------------------|
 * | Block Cipher Mode ECB (Padding None)  | CKM_AES_ECB            |
 * | Block Cipher Mode CBC, Padding None   | CKM_AES_CBC            |
 * | Block Cipher Mode CBC (Padding PKCS5) | CKM_AES_CBC_PAD        |
 * | Block Cipher Mode GCM                 | CKM_AES_GCM            |
 *
 * and for a DES3 key CKM_DES3_ECB, CKM_DES3_CBC, CKM_DES3_CBC_PAD the same way (no GCM).
 * The key is then kept to that mechanism (a request naming another mode is refused by the
 * token: CKR_MECHANISM_INVALID). HMAC keys record their CKM_SHA*_HMAC the same way (create.ts).
 */
import { BlockCipherMode, PaddingMethod } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA, CKM } from "../pkcs11/constants.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { enumText } from "./keys.js";
import { mechanismsOf } from "./secret-key.js";

/** An AES mode of operation as Cryptographic Parameters state it. */
export interface AesMode {
  readonly mode: number;
  readonly padding: number;
  readonly ckm: number;
}

/** The AES modes a key can be kept to, as data. */
export const AES_MODES: readonly AesMode[] = [
  { mode: BlockCipherMode.ECB, padding: PaddingMethod.None, ckm: CKM.AES_ECB },
  { mode: BlockCipherMode.CBC, padding: PaddingMethod.None, ckm: CKM.AES_CBC },
  { mode: BlockCipherMode.CBC, padding: PaddingMethod.PKCS5, ckm: CKM.AES_CBC_PAD },
  { mode: BlockCipherMode.GCM, padding: PaddingMethod.None, ckm: CKM.AES_GCM },
];

/** The DES3 modes a key can be kept to, as data (TDEA has no GCM in PKCS#11). */
export const DES3_MODES: readonly AesMode[] = [
  { mode: BlockCipherMode.ECB, padding: PaddingMethod.None, ckm: CKM.DES3_ECB },
  { mode: BlockCipherMode.CBC, padding: PaddingMethod.None, ckm: CKM.DES3_CBC },
  { mode: BlockCipherMode.CBC, padding: PaddingMethod.PKCS5, ckm: CKM.DES3_CBC_PAD },
];

/** Padding Method when the parameters give none: PKCS5 for CBC (as Encrypt), else None. */
function defaultPadding(mode: number): number {
  return mode === BlockCipherMode.CBC ? PaddingMethod.PKCS5 : PaddingMethod.None;
}

/** The AES mode a mechanism in CKA_ALLOWED_MECHANISMS stands for, if any. */
export function aesModeOfMechanism(ckm: number): AesMode | undefined {
  return AES_MODES.find((m) => m.ckm === ckm);
}

/** The DES3 mode a mechanism in CKA_ALLOWED_MECHANISMS stands for, if any. */
export function des3ModeOfMechanism(ckm: number): AesMode | undefined {
  return DES3_MODES.find((m) => m.ckm === ckm);
}

function mechanismOfParameters(
  op: string,
  params: TtlvItem,
  modes: readonly AesMode[],
  names: string,
): number | undefined {
  const mode = optional(params, Tag.BlockCipherMode, "Enumeration");
  if (mode === undefined) return undefined;
  const padding = optional(params, Tag.PaddingMethod, "Enumeration") ?? defaultPadding(mode);
  const found = modes.find((m) => m.mode === mode && m.padding === padding);
  if (found === undefined) {
    throw kmipErrors.notSupported(
      `${op}: Cryptographic Parameters: Block Cipher Mode ${enumText(Tag.BlockCipherMode, mode)} with Padding Method ${enumText(Tag.PaddingMethod, padding)} is not supported (${names})`,
    );
  }
  return found.ckm;
}

/**
 * The mechanism an AES key's Cryptographic Parameters attribute (at Create or Register)
 * keeps it to; undefined when they name no Block Cipher Mode. A mode the relay cannot
 * keep is Feature Not Supported.
 */
export function aesMechanismOfParameters(op: string, params: TtlvItem): number | undefined {
  return mechanismOfParameters(op, params, AES_MODES, "ECB, CBC, CBC with PKCS5, GCM");
}

/** The same for a DES3 key (Register). */
export function des3MechanismOfParameters(op: string, params: TtlvItem): number | undefined {
  return mechanismOfParameters(op, params, DES3_MODES, "DES3: ECB, CBC, CBC with PKCS5");
}

/**
 * The one mechanism a key is kept to (CKA_ALLOWED_MECHANISMS with a single entry), else
 * undefined: no list, an empty one (any mechanism), or several.
 */
export async function readKeyMechanism(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<number | undefined> {
  const values = await client.getAttributes(token, ref, [CKA.ALLOWED_MECHANISMS]);
  const list = mechanismsOf(values.get(CKA.ALLOWED_MECHANISMS));
  return list.length === 1 ? list[0] : undefined;
}
