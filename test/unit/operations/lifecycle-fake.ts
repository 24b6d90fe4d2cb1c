/**
 * A FakeClient whose data objects (readDataObject / writeDataObject / deleteDataObject)
 * live in a Map keyed "token/application/label", plus stubs for the other methods.
 */
import type { OperationHandler } from "../../../src/operations/types.js";
import type { Pkcs11Client } from "../../../src/pkcs11/client.js";
import type { DataObjectName } from "../../../src/pkcs11/types.js";
import { FakeClient } from "./fake.js";

type Stubs = ConstructorParameters<typeof FakeClient>[0];

/** The client and the data objects it holds. */
export function dataObjectClient(stubs: Stubs = {}): {
  client: FakeClient;
  objects: Map<string, Uint8Array>;
} {
  const objects = new Map<string, Uint8Array>();
  const key = (token: string, name: DataObjectName) => `${token}/${name.application}/${name.label}`;
  const dataStubs: Stubs = {
    readDataObject: (token: string, name: DataObjectName) => {
      const value = objects.get(key(token, name));
      return value === undefined ? [] : [value];
    },
    writeDataObject: (token: string, name: DataObjectName, value: Uint8Array) => {
      objects.set(key(token, name), value);
    },
    deleteDataObject: (token: string, name: DataObjectName) =>
      objects.delete(key(token, name)) ? 1 : 0,
  } satisfies Partial<Record<keyof Pkcs11Client, unknown>>;
  return { client: new FakeClient({ ...dataStubs, ...stubs }), objects };
}

/** A handler stand-in counting its runs (what the lifecycle guard lets through). */
export function ran(operation: number): OperationHandler & { runs: number } {
  const h = {
    operation,
    needsToken: true,
    runs: 0,
    async run() {
      h.runs++;
      return { payload: [] };
    },
  };
  return h;
}
