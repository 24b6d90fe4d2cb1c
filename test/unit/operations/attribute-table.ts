/** A fake token object: getAttributes answers the requested types from one table. */
import type { AttrValues } from "../../../src/pkcs11/types.js";
import { FakeClient } from "./fake.js";

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
