/**
 * The operations the relay runs in one part only (Sign, Signature Verify, MAC, MAC Verify)
 * refuse the multi-part forms of KMIP 1.4 sections 2.1.15-2.1.17: a Correlation Value, or an
 * Init / Final Indicator false, is Feature Not Supported. (Encrypt and Decrypt stream:
 * cipher-stream-run.ts.)
 */
import { kmipErrors } from "../kmip/errors.js";
import { type ItemOf, optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";

/** Throws Feature Not Supported for a multi-part `op` request ("multi-part `what`"). */
export function refuseMultiPart(
  payload: ItemOf<"Structure">,
  op: string,
  what = "operation",
): void {
  const init = optional(payload, Tag.InitIndicator, "Boolean");
  const final = optional(payload, Tag.FinalIndicator, "Boolean");
  const correlation = optional(payload, Tag.CorrelationValue, "ByteString");
  if (correlation !== undefined || init === false || final === false) {
    throw kmipErrors.notSupported(
      `${op}: multi-part ${what} (Correlation Value, Init/Final Indicator) is not supported`,
    );
  }
}
