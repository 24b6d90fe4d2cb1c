/**
 * A worker failure as RPC data (rpc/protocol.ts WireError): the relay rebuilds the typed
 * error from it (worker-process.ts fromWire).
 */
import { CKR, ckrName } from "../constants.js";
import { ObjectNotFoundError, TokenNotFoundError } from "../errors.js";
import type { Method, WireError } from "../rpc/protocol.js";
import { MAIN_FUNCTION, NativePkcs11Error } from "./ops.js";

/** `error`, thrown while serving `method`, as data. */
export function toWireError(error: unknown, method: Method): WireError {
  if (error instanceof ObjectNotFoundError)
    return { kind: "objectNotFound", message: error.message };
  if (error instanceof TokenNotFoundError) return { kind: "tokenNotFound", message: error.message };
  if (error instanceof NativePkcs11Error) {
    const fn = error.method || MAIN_FUNCTION[method];
    return { kind: "pkcs11", ckr: error.code, fn, message: `${fn} failed: ${ckrName(error.code)}` };
  }
  // pkcs11js raises TypeError/NativeError for arguments it cannot convert or a library it
  // cannot load: report them as bad arguments / a load failure of the main function.
  const fn = MAIN_FUNCTION[method];
  const ckr = method === "init" ? CKR.LIBRARY_LOAD_FAILED : CKR.ARGUMENTS_BAD;
  const detail = error instanceof Error ? error.message : String(error);
  return { kind: "pkcs11", ckr, fn, message: `${fn} failed: ${detail}` };
}
