/**
 * The operation log line of a batch item (docs/architecture.md, "Logging"): warn for a
 * failure, debug for a success of a hot key-use operation, info otherwise. Fields:
 * operation, uid, result, reason (failures), durationMs; conn, client and identity come
 * bound with the connection's logger.
 */
import type { Logger } from "pino";
import { Operation, ResultStatus } from "../kmip/enums.js";
import type { RequestBatchItem, ResponseBatchItem } from "../kmip/messages.js";
import { identityLabel } from "./client-identity.js";
import type { DispatchDeps, Peer } from "./dispatch.js";
import { enumValueName, operationName } from "./names.js";

/**
 * Operations whose successes are logged at debug, not info: the per-request key uses a
 * signing or encrypting client sends thousands of times a second (the line cost ~12% of the
 * relay's CPU per signature, docs/performance.md). Their failures stay at warn, and every
 * operation that creates, changes or destroys something, or reads key material (Get),
 * stays at info.
 */
const QUIET_SUCCESSES: ReadonlySet<number> = new Set([
  Operation.Sign,
  Operation.SignatureVerify,
  Operation.MAC,
  Operation.MACVerify,
  Operation.Encrypt,
  Operation.Decrypt,
]);

/** The connection's bound logger, or one made with the peer's fields (callers without one). */
export function itemLoggerFor(peer: Peer, deps: DispatchDeps): Logger {
  return (
    peer.logger ??
    deps.logger.child({
      conn: peer.connectionId,
      client: peer.key,
      ...(peer.identity === undefined ? {} : { identity: identityLabel(peer.identity) }),
    })
  );
}

/** Writes the line of `item`, answered with `outcome`, started at `started` (performance.now()). */
export function logItem(
  logger: Logger,
  item: RequestBatchItem,
  outcome: ResponseBatchItem,
  uid: string | undefined,
  started: number,
): void {
  const ok = outcome.status === ResultStatus.Success;
  const quiet = ok && item.operation !== undefined && QUIET_SUCCESSES.has(item.operation);
  const level = !ok ? "warn" : quiet ? "debug" : "info";
  if (!logger.isLevelEnabled(level)) return;
  const durationMs = performance.now() - started;
  logger[level](
    {
      operation: operationName(item.operation),
      uid,
      result: ok ? "Success" : enumValueName("ResultReason", outcome.reason),
      ...(ok ? {} : { reason: outcome.message }),
      durationMs: Math.round(durationMs * 1000) / 1000,
    },
    "operation",
  );
}

/** An error as one log field: `Name: message`. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
