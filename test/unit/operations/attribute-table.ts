/** A fake token object: getAttributes answers the requested types from one table. */

import { CKA } from "../../../src/pkcs11/constants.js";
import type { AttrValues } from "../../../src/pkcs11/types.js";
import { FakeClient } from "./fake.js";
import { ecKey } from "./keys.js";

const TRUE = new Uint8Array([1]);
const FALSE = new Uint8Array([0]);

/** CK_BBOOL bytes. */
export const bool = (value: boolean): Uint8Array => (value ? TRUE : FALSE);

/** A client whose getAttributes answers from `table` (null for types it lacks). */
export function tableClient(
  table: AttrValues,
  more: ConstructorParameters<typeof FakeClient>[0] = {},
): FakeClient {
  return new FakeClient({
    getAttributes: (_token, _ref, types) =>
      new Map(types.map((t): [number, Uint8Array | null] => [t, table.get(t) ?? null])),
    ...more,
  });
}

/** `values` with `extra` entries added. */
export function withCommon(values: AttrValues, extra: [number, Uint8Array | null][]): AttrValues {
  return new Map([...values, ...extra]);
}

/** A P-384 key pair. */
export const EC_KEY = ecKey("P-384");
/** EC_KEY's public key as a token holds it, labelled "zone", with Verify and Wrap. */
export const EC_PUBLIC = withCommon(EC_KEY.attributes, [
  [CKA.LABEL, new Uint8Array(Buffer.from("zone"))],
  [CKA.VERIFY, bool(true)],
  [CKA.ENCRYPT, bool(false)],
  [CKA.WRAP, bool(true)],
  [CKA.DERIVE, bool(false)],
]);
