/**
 * The one place where failures below the KMIP layer become KMIP Result Reasons (KMIP 1.4
 * section 9.1.3.2.29). Only reasons that KMIP 1.x defines are used, so every client version
 * understands them. The table is documented in docs/operations.md.
 */
import { ResultReason } from "../kmip/enums.js";
import { KmipError, type ResultReasonValue } from "../kmip/errors.js";
import { CKR, ckrName } from "../pkcs11/constants.js";
import {
  ObjectNotFoundError,
  Pkcs11Error,
  WorkerError,
  type WorkerErrorKind,
} from "../pkcs11/errors.js";

/** What a CKR_* value means for a KMIP client. */
export interface CkrMapping {
  readonly reason: ResultReasonValue;
  readonly message: string;
}

function entry(reason: ResultReasonValue, message: string): CkrMapping {
  return { reason, message };
}

const R = ResultReason;

/** CKR_* value -> Result Reason and the explanation put in the Result Message. */
export const CKR_TO_KMIP: ReadonlyMap<number, CkrMapping> = new Map([
  [CKR.OBJECT_HANDLE_INVALID, entry(R.ItemNotFound, "no such object on the token")],
  [CKR.KEY_HANDLE_INVALID, entry(R.ItemNotFound, "no such key on the token")],
  [CKR.TOKEN_NOT_PRESENT, entry(R.AuthenticationNotSuccessful, "no token matches the Username")],
  [CKR.TOKEN_NOT_RECOGNIZED, entry(R.AuthenticationNotSuccessful, "the token is not recognised")],
  [CKR.SLOT_ID_INVALID, entry(R.AuthenticationNotSuccessful, "no slot matches the Username")],
  [CKR.PIN_INCORRECT, entry(R.AuthenticationNotSuccessful, "wrong Password (token PIN)")],
  [CKR.PIN_INVALID, entry(R.AuthenticationNotSuccessful, "invalid Password (token PIN)")],
  [
    CKR.PIN_LEN_RANGE,
    entry(R.AuthenticationNotSuccessful, "Password (token PIN) length out of range"),
  ],
  [CKR.PIN_EXPIRED, entry(R.AuthenticationNotSuccessful, "the token PIN has expired")],
  [CKR.PIN_LOCKED, entry(R.AuthenticationNotSuccessful, "the token PIN is locked")],
  [CKR.USER_NOT_LOGGED_IN, entry(R.AuthenticationNotSuccessful, "not logged in to the token")],
  [CKR.USER_PIN_NOT_INITIALIZED, entry(R.AuthenticationNotSuccessful, "the token has no user PIN")],
  [
    CKR.KEY_FUNCTION_NOT_PERMITTED,
    entry(R.PermissionDenied, "the key's usage does not allow this"),
  ],
  [CKR.KEY_UNEXTRACTABLE, entry(R.PermissionDenied, "the key is not extractable")],
  [CKR.ATTRIBUTE_SENSITIVE, entry(R.PermissionDenied, "the attribute is sensitive")],
  [CKR.ATTRIBUTE_READ_ONLY, entry(R.PermissionDenied, "the attribute cannot be changed")],
  [CKR.ACTION_PROHIBITED, entry(R.PermissionDenied, "the token prohibits this action")],
  [CKR.TOKEN_WRITE_PROTECTED, entry(R.PermissionDenied, "the token is write-protected")],
  [CKR.SESSION_READ_ONLY, entry(R.PermissionDenied, "the session is read-only")],
  [CKR.KEY_TYPE_INCONSISTENT, entry(R.InvalidField, "the key's type does not fit the algorithm")],
  [CKR.KEY_SIZE_RANGE, entry(R.InvalidField, "Cryptographic Length not supported by the token")],
  [CKR.MECHANISM_INVALID, entry(R.FeatureNotSupported, "the token does not support the mechanism")],
  [
    CKR.MECHANISM_PARAM_INVALID,
    entry(R.InvalidField, "Cryptographic Parameters rejected by the token"),
  ],
  [CKR.CURVE_NOT_SUPPORTED, entry(R.FeatureNotSupported, "the token does not support the curve")],
  [CKR.DOMAIN_PARAMS_INVALID, entry(R.FeatureNotSupported, "the token does not support the curve")],
  [CKR.DATA_INVALID, entry(R.InvalidField, "Data rejected by the token")],
  [CKR.DATA_LEN_RANGE, entry(R.InvalidField, "Data length out of range for the key")],
  [CKR.TEMPLATE_INCOMPLETE, entry(R.InvalidField, "the attributes are incomplete for the token")],
  [
    CKR.TEMPLATE_INCONSISTENT,
    entry(R.InvalidField, "the attributes are inconsistent for the token"),
  ],
  [
    CKR.ATTRIBUTE_VALUE_INVALID,
    entry(R.InvalidField, "an attribute value was rejected by the token"),
  ],
  [CKR.ATTRIBUTE_TYPE_INVALID, entry(R.InvalidField, "an attribute is not supported by the token")],
  [
    CKR.FUNCTION_NOT_SUPPORTED,
    entry(R.FeatureNotSupported, "the PKCS#11 library lacks this function"),
  ],
  [CKR.HOST_MEMORY, entry(R.GeneralFailure, "the relay's host is out of memory")],
  [CKR.DEVICE_MEMORY, entry(R.GeneralFailure, "the token is out of memory")],
  [CKR.DEVICE_ERROR, entry(R.GeneralFailure, "the token failed")],
  [CKR.DEVICE_REMOVED, entry(R.GeneralFailure, "the token was removed")],
  [CKR.GENERAL_ERROR, entry(R.GeneralFailure, "the PKCS#11 library failed")],
  [CKR.FUNCTION_FAILED, entry(R.GeneralFailure, "the PKCS#11 function failed")],
]);

/** Any other CKR_* value. */
const CKR_DEFAULT = entry(R.GeneralFailure, "the PKCS#11 call failed");

/** WorkerError kind -> Result Reason (the message is the worker's own, which names no secret). */
export const WORKER_TO_KMIP: Readonly<Record<WorkerErrorKind, ResultReasonValue>> = {
  crashed: R.GeneralFailure,
  timeout: R.GeneralFailure,
  unavailable: R.GeneralFailure,
  shutdown: R.GeneralFailure,
  protocol: R.GeneralFailure,
};

/** The Result Reason and message for a PKCS#11 failure. */
export function mapPkcs11Error(err: Pkcs11Error): KmipError {
  const mapped = CKR_TO_KMIP.get(err.ckr) ?? CKR_DEFAULT;
  return new KmipError(mapped.reason, `${mapped.message} (${err.fn}: ${ckrName(err.ckr)})`);
}

/**
 * Any failure as a KmipError: KmipError as it is, Pkcs11Error and WorkerError by the tables
 * above, anything else General Failure with a fixed message (internals stay in the log).
 */
export function toKmipError(err: unknown): KmipError {
  if (err instanceof KmipError) return err;
  // No object with that UID: a lookup result, not a PKCS#11 function failing.
  if (err instanceof ObjectNotFoundError) {
    return new KmipError(R.ItemNotFound, "no object with that Unique Identifier on the token");
  }
  if (err instanceof Pkcs11Error) return mapPkcs11Error(err);
  if (err instanceof WorkerError) {
    return new KmipError(WORKER_TO_KMIP[err.kind], `PKCS#11 worker ${err.kind}: ${err.message}`);
  }
  return new KmipError(R.GeneralFailure, "internal error in the relay");
}
