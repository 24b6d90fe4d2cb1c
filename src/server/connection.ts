/**
 * One client connection: cuts the TLS byte stream into messages (framing only), hands each
 * to the dispatcher, and writes the responses back in request order.
 *
 * Requests on one connection are processed concurrently (pipelining) up to `maxInFlight`
 * (`[server] max-in-flight-per-connection`); past that the socket is paused, and requests
 * already read (several can arrive in one chunk) wait their turn, so a client cannot queue
 * unbounded work. A framing error
 * (a message that declares too large a size, or is not a Structure) cannot be answered
 * reliably, so it closes the connection, with a log line.
 */
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { TtlvError } from "../ttlv/errors.js";
import { TtlvFramer } from "../ttlv/framing.js";
import { CredentialMemo } from "./credential-memo.js";
import { type DispatchDeps, handleRequestBytes, type Peer } from "./dispatch.js";
import { itemLoggerFor } from "./item-log.js";

/** Per-connection limits. */
export interface ConnectionLimits {
  readonly maxMessageBytes: number;
  /** Close a connection idle (no request in flight) for this long; 0 = never. */
  readonly idleTimeoutMs: number;
  /** Requests processed at once per connection before reading pauses. */
  readonly maxInFlight: number;
  /** Time a request may take to arrive whole once its first byte is in (slow senders). */
  readonly requestReadTimeoutMs: number;
}

/** A served connection, as the server tracks it. */
export interface ServedConnection {
  readonly id: number;
  /** Resolves once every request received so far has been answered (or dropped). */
  drained(): Promise<void>;
  /** Ends the connection once drained; destroys it after `graceMs` at the latest. */
  close(graceMs: number): Promise<void>;
}

/** Starts serving `socket`; `onClosed` runs once when it is gone. */
export function serveConnection(
  socket: TLSSocket,
  peer: Peer,
  deps: DispatchDeps,
  limits: ConnectionLimits,
  onClosed: () => void,
): ServedConnection {
  const logger: Logger = deps.logger.child({ conn: peer.connectionId });
  // What every request of this connection shares: its proved credential and a logger with
  // the connection's fields bound once (pino serialises child bindings once, not per line).
  // Released when the socket closes: state operations keep for this connection (streams).
  const closeListeners: (() => void)[] = [];
  const connPeer: Peer = {
    ...peer,
    connection: { id: peer.connectionId, onClose: (release) => closeListeners.push(release) },
    credentials: new CredentialMemo(),
    logger: itemLoggerFor(peer, deps),
  };
  const framer = new TtlvFramer({ maxMessageBytes: limits.maxMessageBytes });
  let inFlight = 0;
  /** Requests read but not started: at most what one chunk held, as reading is paused. */
  const waiting: Buffer[] = [];
  let closing = false;
  let tail: Promise<void> = Promise.resolve();
  // Reading pauses while maxInFlight requests are being answered, and while answers wait in
  // the socket's write buffer: a client that does not read must not make the relay buffer
  // responses without bound (they can be far larger than the requests: RNG Retrieve).
  const resumeIfAllowed = (): void => {
    const allowed =
      inFlight < limits.maxInFlight &&
      waiting.length === 0 &&
      !socket.writableNeedDrain &&
      !closing;
    if (allowed && socket.isPaused()) socket.resume();
  };

  socket.setNoDelay(true);
  if (limits.idleTimeoutMs > 0) socket.setTimeout(limits.idleTimeoutMs);

  const startWaiting = (): void => {
    while (waiting.length > 0 && inFlight < limits.maxInFlight) respond(waiting.shift()!);
    if (inFlight >= limits.maxInFlight && !socket.isPaused()) {
      logger.debug(
        { client: peer.key, inFlight, waiting: waiting.length },
        "requests in flight at the per-connection limit: reading paused",
      );
      socket.pause();
    }
  };

  const respond = (message: Buffer): void => {
    inFlight += 1;
    const response = handleRequestBytes(message, connPeer, deps);
    tail = tail
      .then(() => response)
      .then((bytes) => {
        if (!socket.destroyed && !socket.write(bytes)) socket.pause();
      })
      .catch((err: unknown) => {
        logger.error({ err: String(err) }, "internal error while answering: closing connection");
        socket.destroy();
      })
      .finally(() => {
        inFlight -= 1;
        startWaiting();
        resumeIfAllowed();
      });
  };

  // A partly received request must complete within requestReadTimeoutMs: a client that
  // trickles bytes (or declares a length and sends nothing) cannot hold a connection forever.
  let partialTimer: NodeJS.Timeout | undefined;
  const watchPartialRequest = (): void => {
    if (framer.bufferedBytes === 0) {
      clearTimeout(partialTimer);
      partialTimer = undefined;
    } else if (partialTimer === undefined) {
      partialTimer = setTimeout(() => {
        logger.warn(
          {
            client: peer.key,
            bufferedBytes: framer.bufferedBytes,
            ms: limits.requestReadTimeoutMs,
          },
          "request not received whole in time, closing connection",
        );
        socket.destroy();
      }, limits.requestReadTimeoutMs);
    }
  };

  socket.on("data", (chunk: Buffer) => {
    let messages: Buffer[];
    try {
      messages = framer.push(chunk);
    } catch (err) {
      const detail = err instanceof TtlvError ? `${err.code}: ${err.message}` : String(err);
      logger.warn({ client: peer.key }, `framing error, closing connection: ${detail}`);
      socket.destroy();
      return;
    }
    watchPartialRequest();
    waiting.push(...messages);
    startWaiting();
  });
  socket.on("drain", resumeIfAllowed);
  socket.on("timeout", () => {
    if (inFlight > 0 || waiting.length > 0) return;
    if (socket.writableNeedDrain) {
      logger.info({ client: peer.key }, "client not reading its responses: connection closed");
      socket.destroy();
      return;
    }
    logger.info(
      { client: peer.key, idleTimeoutMs: limits.idleTimeoutMs },
      "idle connection closed",
    );
    socket.end();
  });
  socket.on("error", (err) => logger.debug({ client: peer.key, err: err.message }, "socket error"));
  socket.once("close", () => {
    clearTimeout(partialTimer);
    for (const release of closeListeners.splice(0)) release();
    logger.debug({ client: peer.key }, "connection closed");
    onClosed();
  });

  const drained = async (): Promise<void> => {
    let seen: Promise<void> | undefined;
    while (seen !== tail) {
      seen = tail;
      await seen;
    }
  };
  return {
    id: peer.connectionId,
    drained,
    async close(graceMs: number): Promise<void> {
      closing = true;
      socket.pause();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([drained(), graceOver]);
      clearTimeout(timer);
      if (!socket.destroyed) {
        socket.end();
        socket.destroy();
      }
    },
  };
}
