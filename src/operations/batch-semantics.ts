/**
 * What the batch runner needs to know about operations, declared once as data.
 */
import { Operation } from "../kmip/enums.js";

/**
 * Operations whose request payload takes a Unique Identifier that, when omitted, is the ID
 * Placeholder: the Unique Identifier the previous batch item returned (KMIP 1.4 section
 * 3.1 / 6.x "ID Placeholder"; KMIP 2.1 section 6.1.11).
 */
export const ID_PLACEHOLDER_OPERATIONS: ReadonlySet<number> = new Set([
  Operation.Get,
  Operation.GetAttributes,
  Operation.GetAttributeList,
  Operation.AddAttribute,
  Operation.ModifyAttribute,
  Operation.DeleteAttribute,
  Operation.Activate,
  Operation.Revoke,
  Operation.Destroy,
  Operation.Sign,
  Operation.SignatureVerify,
  Operation.Encrypt,
  Operation.Decrypt,
  Operation.MAC,
  Operation.MACVerify,
  Operation.Check,
]);

/**
 * Operations that change nothing on the token and return the Unique Identifier they were
 * given: consecutive items of these may run at once (spread over the PKCS#11 workers)
 * without changing what a client can observe, even under Stop.
 */
export const PARALLEL_SAFE_OPERATIONS: ReadonlySet<number> = new Set([
  Operation.Sign,
  Operation.SignatureVerify,
  Operation.MAC,
  Operation.MACVerify,
  Operation.Encrypt,
  Operation.Decrypt,
  Operation.Get,
  Operation.GetAttributes,
  Operation.GetAttributeList,
  Operation.Check,
]);

/**
 * Operations a batch with Batch Error Continuation Option Undo (KMIP 1.4 section 6.13) may
 * hold: those that change nothing the client can observe (undone by doing nothing), and
 * Activate, whose only change is the key's lifecycle record, which the relay can write back
 * exactly (server/batch-undo.ts). Anything else (Create, Register, Destroy, Revoke, attribute
 * edits, RNG Seed, ...) changes the token in ways PKCS#11 cannot roll back: a batch holding
 * one is refused whole.
 */
export const UNDOABLE_OPERATIONS: ReadonlySet<number> = new Set([
  ...PARALLEL_SAFE_OPERATIONS,
  Operation.Locate,
  Operation.Query,
  Operation.Hash,
  Operation.RNGRetrieve,
  Operation.DiscoverVersions,
  Operation.Activate,
]);
