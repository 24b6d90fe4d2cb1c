/**
 * Discover Versions (KMIP 1.4 section 4.26, KMIP 2.1 section 6.1.20): no PKCS#11.
 *
 * Request: Protocol Version* (the client's, in its order of preference). Response: Protocol
 * Version*: those the relay also speaks, in the client's order; every version the relay
 * speaks (newest first) when the client lists none.
 */
import { Operation } from "../kmip/enums.js";
import { build, findChildren, required } from "../kmip/item.js";
import type { ProtocolVersion } from "../kmip/messages.js";
import { Tag } from "../kmip/tags.js";
import type { TtlvItem } from "../ttlv/types.js";
import type { OperationHandler } from "./types.js";

/** The protocol versions the relay speaks, newest first. */
export const SUPPORTED_VERSIONS: readonly ProtocolVersion[] = [
  { major: 2, minor: 1 },
  { major: 2, minor: 0 },
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
  { major: 1, minor: 1 },
  { major: 1, minor: 0 },
];

/** Whether the relay speaks protocol version `v`. */
export function isSupported(v: ProtocolVersion): boolean {
  return SUPPORTED_VERSIONS.some((s) => s.major === v.major && s.minor === v.minor);
}

function versionItem(v: ProtocolVersion): TtlvItem {
  return build.structure(Tag.ProtocolVersion, [
    build.integer(Tag.ProtocolVersionMajor, v.major),
    build.integer(Tag.ProtocolVersionMinor, v.minor),
  ]);
}

/** The Discover Versions handler. */
export const discoverVersions: OperationHandler = {
  operation: Operation.DiscoverVersions,
  needsToken: false,
  async run(payload) {
    const offered = findChildren(payload, Tag.ProtocolVersion).map((pv) => ({
      major: required(pv, Tag.ProtocolVersionMajor, "Integer"),
      minor: required(pv, Tag.ProtocolVersionMinor, "Integer"),
    }));
    const answer = offered.length === 0 ? SUPPORTED_VERSIONS : offered.filter(isSupported);
    return { payload: answer.map(versionItem) };
  },
};
