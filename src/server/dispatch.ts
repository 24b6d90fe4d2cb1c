/**
 * From one framed request message to one encoded response message: decode, parse,
 * authenticate, run each batch item through its operation handler, encode.
 *
 * Nothing a client sends makes this throw: every failure becomes a well-formed KMIP
 * response (KMIP 1.4 section 7.1), with a log line.
 */
import type { Logger } from "pino";
import { BatchErrorContinuationOption, ResultReason, ResultStatus } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import {
  buildResponse,
  failedItem,
  type ProtocolVersion,
  parseRequest,
  type RequestBatchItem,
  type RequestMessage,
  type ResponseBatchItem,
  sniffProtocolVersion,
} from "../kmip/messages.js";
import { findUnknownTags } from "../kmip/unknown-tags.js";
import { toKmipError } from "../operations/errors.js";
import { handlerFor } from "../operations/registry.js";
import type { OperationContext, OperationOptions, ServerFacts } from "../operations/types.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import type { TokenSelector } from "../pkcs11/types.js";
import { decodeTtlv } from "../ttlv/decode.js";
import { encodeTtlv } from "../ttlv/encode.js";
import { TtlvError } from "../ttlv/errors.js";
import type { TtlvItem, TtlvLimits } from "../ttlv/types.js";
import type { Authenticator } from "./auth.js";
import { enumValueName, operationName } from "./names.js";
import { enforceMaximumResponseSize } from "./response-size.js";

/** Protocol versions this relay speaks (KMIP 1.0-1.4 and 2.0-2.1). */
export const SUPPORTED_VERSIONS: readonly ProtocolVersion[] = [
  { major: 2, minor: 1 },
  { major: 2, minor: 0 },
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
  { major: 1, minor: 1 },
  { major: 1, minor: 0 },
];

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
}

/** Who sent the request, for throttling and log lines. */
export interface Peer {
  /** Stable per client: the remote address (later: the certificate identity). */
  readonly key: string;
  readonly connectionId: number;
}

function isSupported(v: ProtocolVersion): boolean {
  return SUPPORTED_VERSIONS.some((s) => s.major === v.major && s.minor === v.minor);
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
  const items = await runBatch(request, peer, deps);
  const response = encodeTtlv(buildResponse(version, items));
  return enforceMaximumResponseSize(response, request, items);
}

function encodeWholeFailure(version: ProtocolVersion, error: KmipError): Buffer {
  return encodeTtlv(buildResponse(version, [failedItem(undefined, error)]));
}

/**
 * Runs the batch items in order (KMIP 1.4 section 6.13): with Stop (the default) the items
 * after a failed one are not run and not answered; with Continue all are run; Undo is not
 * supported, so such a request is rejected whole, as the spec requires.
 */
async function runBatch(
  request: RequestMessage,
  peer: Peer,
  deps: DispatchDeps,
): Promise<ResponseBatchItem[]> {
  const option = request.header.batchErrorContinuationOption;
  if (option === BatchErrorContinuationOption.Undo) {
    const error = new KmipError(
      ResultReason.FeatureNotSupported,
      "Batch Error Continuation Option Undo is not supported (PKCS#11 cannot undo)",
    );
    return request.items.map((item) => failedItem(item, error));
  }
  const session = new RequestSession(request, peer, deps);
  const results: ResponseBatchItem[] = [];
  for (const item of request.items) {
    const result = await session.runItem(item);
    results.push(result);
    if (
      result.status !== ResultStatus.Success &&
      option !== BatchErrorContinuationOption.Continue
    ) {
      break;
    }
  }
  return results;
}

/** State shared by the items of one request: the authentication is done once. */
class RequestSession {
  private token: Promise<TokenSelector> | undefined;

  constructor(
    private readonly request: RequestMessage,
    private readonly peer: Peer,
    private readonly deps: DispatchDeps,
  ) {}

  private authenticate(): Promise<TokenSelector> {
    this.token ??= this.deps.authenticator.authenticate(
      this.request.header.credential,
      this.peer.key,
    );
    return this.token;
  }

  async runItem(item: RequestBatchItem): Promise<ResponseBatchItem> {
    const started = process.hrtime.bigint();
    let uid: string | undefined;
    let outcome: ResponseBatchItem;
    try {
      const result = await this.execute(item);
      uid = result.uid;
      outcome = {
        operation: item.operation,
        uniqueBatchItemId: item.uniqueBatchItemId,
        status: ResultStatus.Success,
        payload: result.payload,
      };
    } catch (err) {
      const error = toKmipError(err);
      outcome = failedItem(item, error);
      // The relay's own failures (a crashed worker, a bug) get an error line with the
      // details the client is not told; a client's mistake only gets the operation line.
      if (error.reason === ResultReason.GeneralFailure) {
        this.deps.logger.error(
          { conn: this.peer.connectionId, err: describe(err) },
          "operation failed inside the relay",
        );
      }
    }
    this.logItem(item, outcome, uid, started);
    return outcome;
  }

  private async execute(item: RequestBatchItem) {
    if (item.error !== undefined) throw item.error;
    const operation = item.operation;
    const handler = operation === undefined ? undefined : handlerFor(operation);
    if (handler === undefined || item.payload === undefined) {
      throw new KmipError(
        ResultReason.OperationNotSupported,
        `operation ${operationName(operation)} is not supported`,
      );
    }
    const hasCredential = this.request.header.credential !== undefined;
    const token = handler.needsToken || hasCredential ? await this.authenticate() : undefined;
    const ctx: OperationContext = {
      client: this.deps.client,
      token,
      version: this.request.header.version,
      logger: this.deps.logger,
      server: this.deps.server,
      options: this.deps.options,
    };
    return handler.run(item.payload, ctx);
  }

  private logItem(
    item: RequestBatchItem,
    outcome: ResponseBatchItem,
    uid: string | undefined,
    started: bigint,
  ): void {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    const ok = outcome.status === ResultStatus.Success;
    this.deps.logger[ok ? "info" : "warn"](
      {
        conn: this.peer.connectionId,
        client: this.peer.key,
        operation: operationName(item.operation),
        uid,
        result: ok ? "Success" : enumValueName("ResultReason", outcome.reason),
        ...(ok ? {} : { reason: outcome.message }),
        durationMs: Math.round(durationMs * 1000) / 1000,
      },
      "operation",
    );
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
