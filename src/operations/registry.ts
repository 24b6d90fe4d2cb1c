/**
 * Every KMIP operation the relay answers, by Operation enumeration value. The dispatcher
 * answers Operation Not Supported for any other.
 */
import { activate } from "./activate.js";
import { createKeyPair } from "./create-key-pair.js";
import { destroy } from "./destroy.js";
import { discoverVersions } from "./discover-versions.js";
import { get } from "./get.js";
import { modifyAttribute } from "./modify-attribute.js";
import { createQuery } from "./query.js";
import { revoke } from "./revoke.js";
import { sign } from "./sign.js";
import type { OperationHandler } from "./types.js";

const handlers: OperationHandler[] = [
  discoverVersions,
  createQuery(() => [...operations.keys()].sort((a, b) => a - b)),
  createKeyPair,
  get,
  activate,
  modifyAttribute,
  sign,
  revoke,
  destroy,
];

/** Operation enumeration value -> handler. */
export const operations: ReadonlyMap<number, OperationHandler> = new Map(
  handlers.map((h) => [h.operation, h]),
);

/** The handler of `operation`, if the relay supports it. */
export function handlerFor(operation: number): OperationHandler | undefined {
  return operations.get(operation);
}
