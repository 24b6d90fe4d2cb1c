/**
 * Checks a signature the relay returned with node:crypto (KMIP 1.4 section 4.31: Sign), against
 * the public key of the pair this server created (fetched with an extra Get, Key Format Type
 * X_509) or the public keys the test case registered.
 */
import type { KeyObject } from "node:crypto";
import { KeyFormatType, Operation } from "../../src/kmip/enums.js";
import { build, findChild } from "../../src/kmip/item.js";
import { Tag } from "../../src/kmip/tags.js";
import type { TtlvItem } from "../../src/ttlv/types.js";
import { type KmipTestClient, requestMessage } from "../helpers/kmip-client.js";
import type { Mismatch } from "./compare.js";
import type { ObjectTracker, TrackedObject } from "./objects.js";
import type { RelayTarget } from "./run-file.js";
import { keyMaterialOf, publicKeyFromDer, verifySignature } from "./verify.js";

/** What the check found: a mismatch to report, or a note. */
export interface SignatureCheck {
  readonly mismatch?: Mismatch;
  readonly note?: string;
}

async function fetchPublicKey(
  uid: string,
  client: KmipTestClient,
  target: RelayTarget,
): Promise<KeyObject | undefined> {
  const response = await client.request(
    requestMessage({
      version: { major: 1, minor: 4 },
      username: target.username,
      password: target.password,
      items: [
        {
          operation: Operation.Get,
          payload: [
            build.textString(Tag.UniqueIdentifier, uid),
            build.enumeration(Tag.KeyFormatType, KeyFormatType.X_509),
          ],
        },
      ],
    }),
  );
  const material = keyMaterialOf(response);
  return material === undefined ? undefined : publicKeyFromDer(material);
}

/** Verifies the Signature Data of a successful Sign response. */
export async function checkSignature(
  request: TtlvItem,
  response: TtlvItem,
  key: TrackedObject | undefined,
  objects: ObjectTracker,
  client: KmipTestClient,
  target: RelayTarget,
): Promise<SignatureCheck> {
  const signature =
    response.type === "Structure" ? findChild(response, Tag.SignatureData) : undefined;
  if (signature?.type !== "ByteString") return {};
  const own = key?.publicUid;
  const candidates = key?.publicKey
    ? [key.publicKey]
    : own
      ? [await fetchPublicKey(own, client, target)]
      : objects.registeredPublicKeys();
  const keys = candidates.filter((k): k is KeyObject => k !== undefined);
  if (keys.length === 0)
    return { note: "signature not verified: no public key known to the runner" };
  if (keys.some((k) => verifySignature(request, signature.value, k, key?.params))) {
    return { note: "signature verified with node:crypto" };
  }
  const mismatch: Mismatch = {
    path: "BatchItem/ResponsePayload/SignatureData",
    expected:
      key?.publicKey || own
        ? "a signature the key's public key verifies (parameters: request, else the key's)"
        : "a signature a registered public key verifies",
    got: `${Buffer.from(signature.value).toString("hex").slice(0, 32)}... (does not verify)`,
  };
  return { mismatch };
}
