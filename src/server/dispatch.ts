/**
 * From one framed request message to one encoded response message: decode, parse,
 * authenticate, run each batch item through its operation handler, encode.
 *
 * Nothing a client sends makes this throw: every failure becomes a well-formed KMIP
 * response (KMIP 1.4 section 7.1), with a log line.
 */
import type { Logger } from "pino";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import {
  buildResponse,
  failedItem,
  type ProtocolVersion,
  parseRequest,
  type RequestMessage,
  sniffProtocolVersion,
} from "../kmip/messages.js";
import { findUnknownTags } from "../kmip/unknown-tags.js";
import { isSupported } from "../operations/discover-versions.js";
import { toKmipError } from "../operations/errors.js";
import type { LifecycleStore } from "../operations/lifecycle-store.js";
import type { OperationConnection, OperationOptions, ServerFacts } from "../operations/types.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { decodeTtlv } from "../ttlv/decode.js";
import { encodeTtlv } from "../ttlv/encode.js";
import { TtlvError } from "../ttlv/errors.js";
import type { TtlvItem, TtlvLimits } from "../ttlv/types.js";
import type { Authenticator } from "./auth.js";
import { runBatch } from "./batch.js";
import type { ClientIdentity } from "./client-identity.js";
import type { ClientPolicy } from "./client-policy.js";
import type { CredentialMemo } from "./credential-memo.js";
import { enforceMaximumResponseSize, responseLimit } from "./response-size.js";

/** The version a response uses when the request's own cannot be read. */
const FALLBACK_VERSION: ProtocolVersion = { major: 1, minor: 0 };

/** What the dispatcher needs from the rest of the relay. */
export interface DispatchDeps {
  readonly client: Pkcs11Client;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly server: ServerFacts;
  readonly limits: Partial<TtlvLimits>;
  readonly options: OperationOptions;
  /** The keys' KMIP lifecycle (one store per relay); absent: nothing recorded or enforced. */
  readonly lifecycle?: LifecycleStore;
  /** Most batch items in one request (`[server] max-batch-items`); absent: no limit. */
  readonly maxBatchItems?: number;
  /** Largest response built for one request (`[server] max-response-bytes`); absent: none. */
  readonly maxResponseBytes?: number;
  /** `[[clients]]`; absent: no authorization beyond the TLS layer's. */
  readonly clientPolicy?: ClientPolicy;
}

/** Who sent the request, for authorization, throttling and log lines. */
export interface Peer {
  /** The remote address. */
  readonly key: string;
  readonly connectionId: number;
  /** The client certificate's identity (mutual TLS only). */
  readonly identity?: ClientIdentity;
  /** The credential this connection last proved (absent: every request is checked). */
  readonly credentials?: CredentialMemo;
  /** A logger bound to conn, client and identity (absent: deps.logger with those fields). */
  readonly logger?: Logger;
  /** The connection as operations keeping state across its requests see it (multi-part ciphers). */
  readonly connection?: OperationConnection;
}

/** Handles one whole request message; always resolves to an encoded response. */
export async function handleRequestBytes(
  bytes: Uint8Array,
  peer: Peer,
  deps: DispatchDeps,
): Promise<Buffer> {
  let message: TtlvItem;
  try {
    message = decodeTtlv(bytes, deps.limits);
  } catch (err) {
    if (!(err instanceof TtlvError)) throw err;
    deps.logger.warn(
      { conn: peer.connectionId, client: peer.key, code: err.code, offset: err.offset },
      `undecodable request: ${err.message}`,
    );
    return encodeWholeFailure(FALLBACK_VERSION, kmipErrors.invalidMessage(err.message));
  }
  const unknownTags = findUnknownTags(message);
  if (unknownTags.length > 0) {
    deps.logger.warn(
      { conn: peer.connectionId, client: peer.key, unknownTags },
      "request carries tags no KMIP version defines: ignored",
    );
  }
  let request: RequestMessage;
  try {
    request = parseRequest(message);
  } catch (err) {
    const error = err instanceof KmipError ? err : toKmipError(err);
    deps.logger.warn(
      { conn: peer.connectionId, client: peer.key },
      `bad request: ${error.message}`,
    );
    return encodeWholeFailure(sniffProtocolVersion(message) ?? FALLBACK_VERSION, error);
  }
  const version = request.header.version;
  if (!isSupported(version)) {
    const error = kmipErrors.invalidMessage(
      `protocol version ${version.major}.${version.minor} is not supported`,
    );
    return encodeWholeFailure(version, error);
  }
  const max = deps.maxBatchItems;
  if (max !== undefined && request.items.length > max) {
    deps.logger.warn(
      { conn: peer.connectionId, client: peer.key, batchItems: request.items.length, max },
      "batch refused: too many items",
    );
    const error = kmipErrors.invalidMessage(
      `${request.items.length} batch items, more than the ${max} this server accepts in one request`,
    );
    return encodeWholeFailure(version, error);
  }
  const limit = responseLimit(request.header.maximumResponseSize, deps.maxResponseBytes);
  const items = await runBatch(request, peer, deps, limit);
  const response = encodeTtlv(buildResponse(version, items));
  return enforceMaximumResponseSize(response, request, items, limit);
}

function encodeWholeFailure(version: ProtocolVersion, error: KmipError): Buffer {
  return encodeTtlv(buildResponse(version, [failedItem(undefined, error)]));
}
