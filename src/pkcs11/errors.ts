/**
 * Typed errors of the PKCS#11 layer. The kind of failure (a CKR_* value, a worker failure
 * kind) is kept apart from where it happened (the PKCS#11 function, the worker id).
 */
import { CKR, ckrName } from "./constants.js";

/**
 * A PKCS#11 function returned a CKR_* value other than CKR_OK. `fn` names the function, e.g.
 * `C_Sign`. Rebuilt in the relay from the worker's answer.
 */
export class Pkcs11Error extends Error {
  readonly ckr: number;
  readonly fn: string;

  constructor(ckr: number, fn: string, message?: string) {
    super(message ?? `${fn} failed: ${ckrName(ckr)}`);
    this.name = "Pkcs11Error";
    this.ckr = ckr;
    this.fn = fn;
  }
}

/**
 * No object with this CKA_ID and CKA_CLASS exists on the token (after the worker has
 * refreshed its view of the token, see docs/architecture.md). Convention: `ckr` is
 * CKR_OBJECT_HANDLE_INVALID and `fn` is `C_FindObjects`, so code that only knows
 * {@link Pkcs11Error} still sees an invalid object; the operations layer maps it to KMIP
 * Item Not Found.
 */
export class ObjectNotFoundError extends Pkcs11Error {
  constructor(message = "object not found") {
    super(CKR.OBJECT_HANDLE_INVALID, "C_FindObjects", message);
    this.name = "ObjectNotFoundError";
  }
}

/**
 * No token matches the TokenSelector. Convention: `ckr` is CKR_TOKEN_NOT_PRESENT and `fn` is
 * `C_GetSlotList`.
 */
export class TokenNotFoundError extends Pkcs11Error {
  constructor(message = "token not found") {
    super(CKR.TOKEN_NOT_PRESENT, "C_GetSlotList", message);
    this.name = "TokenNotFoundError";
  }
}

/**
 * Why a call could not be answered by a worker:
 * - `crashed`: the worker process exited (signal or exit code) while the call was in flight;
 * - `timeout`: the call took longer than the call timeout; its worker was killed;
 * - `unavailable`: no worker could be made ready (start-up failing, crash loop);
 * - `shutdown`: the client is closing or closed;
 * - `protocol`: the worker sent a malformed frame; it was killed.
 */
export type WorkerErrorKind = "crashed" | "timeout" | "unavailable" | "shutdown" | "protocol";

/** A call failed because of its worker process, not because of PKCS#11. */
export class WorkerError extends Error {
  readonly kind: WorkerErrorKind;
  readonly workerId: number | undefined;

  constructor(kind: WorkerErrorKind, message: string, workerId?: number) {
    super(message);
    this.name = "WorkerError";
    this.kind = kind;
    this.workerId = workerId;
  }
}
