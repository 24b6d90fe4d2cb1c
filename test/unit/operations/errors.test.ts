import { describe, expect, it } from "vitest";
import { ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { CKR_TO_KMIP, toKmipError } from "../../../src/operations/errors.js";
import { CKR } from "../../../src/pkcs11/constants.js";
import {
  ObjectNotFoundError,
  Pkcs11Error,
  TokenNotFoundError,
  WorkerError,
} from "../../../src/pkcs11/errors.js";

describe("toKmipError", () => {
  it("keeps a KmipError as it is", () => {
    const err = new KmipError(ResultReason.InvalidField, "x");
    expect(toKmipError(err)).toBe(err);
  });

  it.each([
    [CKR.OBJECT_HANDLE_INVALID, ResultReason.ItemNotFound],
    [CKR.KEY_HANDLE_INVALID, ResultReason.ItemNotFound],
    [CKR.PIN_INCORRECT, ResultReason.AuthenticationNotSuccessful],
    [CKR.PIN_LOCKED, ResultReason.AuthenticationNotSuccessful],
    [CKR.USER_NOT_LOGGED_IN, ResultReason.AuthenticationNotSuccessful],
    [CKR.KEY_FUNCTION_NOT_PERMITTED, ResultReason.PermissionDenied],
    [CKR.KEY_UNEXTRACTABLE, ResultReason.PermissionDenied],
    [CKR.ATTRIBUTE_READ_ONLY, ResultReason.PermissionDenied],
    [CKR.MECHANISM_INVALID, ResultReason.FeatureNotSupported],
    [CKR.CURVE_NOT_SUPPORTED, ResultReason.FeatureNotSupported],
    [CKR.KEY_SIZE_RANGE, ResultReason.InvalidField],
    [CKR.TEMPLATE_INCONSISTENT, ResultReason.InvalidField],
    [CKR.DATA_LEN_RANGE, ResultReason.InvalidField],
    [CKR.KEY_TYPE_INCONSISTENT, ResultReason.InvalidField],
    [CKR.DEVICE_ERROR, ResultReason.GeneralFailure],
    [CKR.GENERAL_ERROR, ResultReason.GeneralFailure],
  ])("maps CKR 0x%s", (ckr, reason) => {
    const mapped = toKmipError(new Pkcs11Error(ckr, "C_Sign"));
    expect(mapped.reason).toBe(reason);
    expect(mapped.message).toContain("C_Sign");
    expect(mapped.message).toContain(CKR_TO_KMIP.get(ckr)?.message);
  });

  it("names the function and CKR of an unlisted value", () => {
    const mapped = toKmipError(new Pkcs11Error(CKR.SAVED_STATE_INVALID, "C_Foo"));
    expect(mapped.reason).toBe(ResultReason.GeneralFailure);
    expect(mapped.message).toContain("C_Foo: CKR_SAVED_STATE_INVALID");
  });

  it("maps the relay's not-found errors", () => {
    expect(toKmipError(new ObjectNotFoundError()).reason).toBe(ResultReason.ItemNotFound);
    expect(toKmipError(new TokenNotFoundError()).reason).toBe(
      ResultReason.AuthenticationNotSuccessful,
    );
  });

  it.each(["crashed", "timeout", "unavailable", "shutdown", "protocol"] as const)(
    "maps WorkerError %s to General Failure with the worker's message",
    (kind) => {
      const mapped = toKmipError(new WorkerError(kind, "worker 2 exited on SIGSEGV", 2));
      expect(mapped.reason).toBe(ResultReason.GeneralFailure);
      expect(mapped.message).toContain(kind);
      expect(mapped.message).toContain("worker 2 exited on SIGSEGV");
    },
  );

  it("hides the details of anything else", () => {
    const mapped = toKmipError(new TypeError("secret internals at /home/x: pin=1234"));
    expect(mapped.reason).toBe(ResultReason.GeneralFailure);
    expect(mapped.message).not.toContain("1234");
    expect(mapped.message).not.toContain("internals");
    expect(toKmipError("a string").reason).toBe(ResultReason.GeneralFailure);
  });

  it("uses only Result Reasons that KMIP 1.x defines", () => {
    for (const { reason } of CKR_TO_KMIP.values()) {
      expect(reason <= 0x17 || reason === ResultReason.GeneralFailure).toBe(true);
    }
  });
});
