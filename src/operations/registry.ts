/**
 * Every KMIP operation the relay answers, by Operation enumeration value. The dispatcher
 * answers Operation Not Supported for any other.
 */
import { activate } from "./activate.js";
import { addAttribute } from "./add-attribute.js";
import { check } from "./check.js";
import { create } from "./create.js";
import { createKeyPair } from "./create-key-pair.js";
import { decrypt } from "./decrypt.js";
import { deleteAttribute } from "./delete-attribute.js";
import { destroy } from "./destroy.js";
import { discoverVersions } from "./discover-versions.js";
import { encrypt } from "./encrypt.js";
import { get } from "./get.js";
import { getAttributeList } from "./get-attribute-list.js";
import { getAttributes } from "./get-attributes.js";
import { hash } from "./hash.js";
import { withLifecycle } from "./lifecycle-guard.js";
import { locate } from "./locate.js";
import { mac } from "./mac.js";
import { macVerify } from "./mac-verify.js";
import { modifyAttribute } from "./modify-attribute.js";
import { createQuery } from "./query.js";
import { register } from "./register.js";
import { revoke } from "./revoke.js";
import { rngRetrieve } from "./rng-retrieve.js";
import { rngSeed } from "./rng-seed.js";
import { sign } from "./sign.js";
import { signatureVerify } from "./signature-verify.js";
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
  create,
  encrypt,
  decrypt,
  mac,
  macVerify,
  rngRetrieve,
  rngSeed,
  hash,
  locate,
  getAttributes,
  getAttributeList,
  addAttribute,
  deleteAttribute,
  register,
  signatureVerify,
  check,
];

/** Operation enumeration value -> handler (with the key lifecycle: lifecycle-guard.ts). */
export const operations: ReadonlyMap<number, OperationHandler> = new Map(
  handlers.map((h) => [h.operation, withLifecycle(h)]),
);

/** The handler of `operation`, if the relay supports it. */
export function handlerFor(operation: number): OperationHandler | undefined {
  return operations.get(operation);
}
