/**
 * Attributes of a Create / Create Key Pair request that promise something about the new key
 * which the relay can neither guarantee nor record on a PKCS#11 token: such a request is
 * refused, never answered Success with the promise silently dropped.
 *
 * - Quantum Safe true (KMIP 2.1 section 4.45: the object "is required to be Quantum Safe for
 *   the given Protection Period and Protection Level"): General Failure, as the OASIS test
 *   case QS-M-2 expects. The relay makes no post-quantum keys (AES, RSA, EC, Ed25519), makes
 *   no assessment of the key's strength for a period, and has no place to keep the flag.
 *   Quantum Safe false asks for nothing: accepted.
 * - Protection Level (section 4.42, "the Level of protection required for a given object")
 *   and Protection Period (section 4.43, the time the object "SHALL remain safe"): Feature Not
 *   Supported; the token offers one protection for every key and the relay keeps neither.
 * - Protection Storage Masks of the request (2.x Create section 6.1.9; Common / Private /
 *   Public Protection Storage Masks of Create Key Pair, 6.1.10) or a Protection Storage Mask
 *   attribute (section 4.44): Protection Storage Unavailable; the relay cannot tell which
 *   storage the PKCS#11 token is (software, hardware, on or off premises, validated).
 * - Usage Limits (KMIP 1.4 section 3.21): Feature Not Supported; PKCS#11 keeps no usage
 *   count and the relay does not count uses, so the limit would never be enforced.
 *
 * Descriptive attributes the relay drops (Object Group, Contact Information, Description,
 * Comment, Alternative Name, Application Specific Information, custom x- attributes, Key
 * Format Type, Cryptographic Parameters of an HMAC key) promise nothing about the key; they
 * are accepted and ignored (docs/operations.md, "Create and Create Key Pair").
 */
import { ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { findChild, type ItemOf, nameOf } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { KmipAttribute } from "../kmip/template.js";

/** Attributes refused as Feature Not Supported, with what the relay cannot do. */
const UNKEPT: ReadonlyMap<number, string> = new Map([
  [
    Tag.ProtectionLevel,
    "the token gives every key the same protection and the relay keeps no Protection Level (KMIP 2.1 section 4.42)",
  ],
  [
    Tag.ProtectionPeriod,
    "the relay cannot guarantee how long a key remains safe and keeps no Protection Period (KMIP 2.1 section 4.43)",
  ],
  [
    Tag.UsageLimits,
    "PKCS#11 keeps no usage count and the relay does not count uses (KMIP 1.4 section 3.21)",
  ],
]);

/** Request fields (not attributes) that restrict where the new key may be stored. */
const STORAGE_MASK_FIELDS: readonly number[] = [
  Tag.ProtectionStorageMasks,
  Tag.CommonProtectionStorageMasks,
  Tag.PrivateProtectionStorageMasks,
  Tag.PublicProtectionStorageMasks,
];

const STORAGE_REASON =
  "the relay cannot tell which protection storage the PKCS#11 token provides (KMIP 2.1 section 4.44)";

/**
 * Refuses a request whose attributes (and, for 2.x, Protection Storage Masks fields of
 * `payload`) ask for a guarantee the relay cannot give (see the module comment).
 * @throws KmipError General Failure (Quantum Safe true), Protection Storage Unavailable, or
 *   Feature Not Supported naming the attribute.
 */
export function refuseUnkeptAttributes(
  op: string,
  attrs: readonly KmipAttribute[],
  payload: ItemOf<"Structure">,
): void {
  const quantumSafe = attrs.find((a) => a.tag === Tag.QuantumSafe);
  if (quantumSafe?.value.type === "Boolean" && quantumSafe.value.value) {
    throw new KmipError(
      ResultReason.GeneralFailure,
      `${op}: Quantum Safe true cannot be honoured: the relay makes no quantum-safe keys and keeps no Quantum Safe flag (KMIP 2.1 section 4.45)`,
    );
  }
  for (const tag of STORAGE_MASK_FIELDS) {
    if (findChild(payload, tag) !== undefined) {
      throw new KmipError(
        ResultReason.ProtectionStorageUnavailable,
        `${op}: ${nameOf(tag)} cannot be honoured: ${STORAGE_REASON}`,
      );
    }
  }
  if (attrs.some((a) => a.tag === Tag.ProtectionStorageMask)) {
    throw new KmipError(
      ResultReason.ProtectionStorageUnavailable,
      `${op}: Protection Storage Mask cannot be honoured: ${STORAGE_REASON}`,
    );
  }
  for (const attr of attrs) {
    const why = UNKEPT.get(attr.tag);
    if (why !== undefined) {
      throw kmipErrors.notSupported(`${op}: ${nameOf(attr.tag)} cannot be honoured: ${why}`);
    }
  }
}
