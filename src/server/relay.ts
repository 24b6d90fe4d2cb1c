/**
 * The relay: a TLS listener (KMIP over TLS, port 5696 by default) in front of the PKCS#11
 * worker processes. Wires the server identity, the PKCS#11 supervisor, the authenticator and
 * the per-connection handlers together, and shuts them down in order.
 */
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import type { Logger } from "pino";
import type { RelayConfig } from "../config/schema.js";
import type { ServerFacts } from "../operations/types.js";
import { startPkcs11 } from "../pkcs11/supervisor.js";
import { Authenticator } from "./auth.js";
import { type ServedConnection, serveConnection } from "./connection.js";
import type { DispatchDeps } from "./dispatch.js";
import { loadServerIdentity } from "./identity.js";
import { PRODUCT_NAME, PRODUCT_VERSION } from "./product.js";

/** A running relay. */
export interface RunningRelay {
  readonly address: AddressInfo;
  /** SHA-256 fingerprint of the server certificate (AA:BB:...). */
  readonly certificateFingerprint: string;
  /** Stops accepting, drains in-flight requests, shuts the PKCS#11 workers down. */
  close(): Promise<void>;
}

/**
 * TLS suites: the TLS 1.3 ones, and for TLS 1.2 only ECDHE key exchange (forward secrecy).
 * Node's default list also allows static-RSA suites (AES256-GCM-SHA384, ...), which a relay
 * with an RSA certificate would otherwise negotiate with a client offering nothing better.
 */
const TLS_CIPHERS = [
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_AES_128_GCM_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-ECDSA-AES128-SHA256",
  "ECDHE-RSA-AES128-SHA256",
  "ECDHE-ECDSA-AES256-SHA384",
  "ECDHE-RSA-AES256-SHA384",
].join(":");
/** Time a TLS handshake may take before the connection is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Requests processed at once per connection before its reading pauses. */
const MAX_IN_FLIGHT_PER_CONNECTION = 64;
/** How long close() waits for in-flight requests before cutting connections. */
const DRAIN_GRACE_MS = 5_000;

/** Starts the relay described by `config`; resolves once it accepts connections. */
export async function startRelay(opts: {
  config: RelayConfig;
  logger: Logger;
}): Promise<RunningRelay> {
  const { config, logger } = opts;
  const identity = await loadServerIdentity(config.server, logger);
  const ca =
    config.server.clientCaPath === undefined
      ? undefined
      : await readFile(config.server.clientCaPath);
  const client = await startPkcs11({
    libPath: config.pkcs11.libPath,
    workers: config.pkcs11.workers,
    callTimeoutMs: config.pkcs11.callTimeoutMs,
    env: { ...config.pkcs11.env },
    logger: logger.child({ component: "pkcs11" }),
  });
  const server: ServerFacts = {
    product: PRODUCT_NAME,
    version: PRODUCT_VERSION,
    libraryPath: config.pkcs11.libPath,
  };
  const deps: DispatchDeps = {
    client,
    authenticator: new Authenticator(client, logger),
    logger,
    server,
    limits: { maxMessageBytes: config.server.maxMessageBytes, maxDepth: config.server.maxDepth },
    options: { allowRsa1024: config.pkcs11.allowRsa1024 },
    maxBatchItems: config.server.maxBatchItems,
    maxResponseBytes: config.server.maxResponseBytes,
  };
  const limits = {
    maxMessageBytes: config.server.maxMessageBytes,
    idleTimeoutMs: config.server.idleTimeoutMs,
    maxInFlight: MAX_IN_FLIGHT_PER_CONNECTION,
    requestReadTimeoutMs: config.server.requestReadTimeoutMs,
  };
  const connections = new Set<ServedConnection>();
  let nextConnectionId = 1;

  const tlsServer = tls.createServer({
    cert: identity.cert,
    key: identity.key,
    minVersion: "TLSv1.2",
    ciphers: TLS_CIPHERS,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    // With a client CA, certificates are requested but checked here rather than by the TLS
    // stack, so that a refusal can be logged with its reason (under TLS 1.3 the server would
    // otherwise only see ECONNRESET).
    ...(ca === undefined ? {} : { ca, requestCert: true, rejectUnauthorized: false }),
  });
  tlsServer.maxConnections = config.server.maxConnections;

  tlsServer.on("secureConnection", (socket) => {
    const connectionId = nextConnectionId++;
    const clientKey = socket.remoteAddress ?? "unknown";
    if (ca !== undefined && !socket.authorized) {
      logger.warn(
        { conn: connectionId, client: clientKey, reason: String(socket.authorizationError) },
        "client certificate refused",
      );
      socket.destroy();
      return;
    }
    logger.debug(
      { conn: connectionId, client: clientKey, tls: socket.getProtocol() },
      "connection",
    );
    const served = serveConnection(socket, { key: clientKey, connectionId }, deps, limits, () =>
      connections.delete(served),
    );
    connections.add(served);
  });
  tlsServer.on("tlsClientError", (err, socket) => {
    logger.warn({ client: socket.remoteAddress, err: err.message }, "TLS handshake failed");
  });
  tlsServer.on("drop", (data) => {
    logger.warn(
      { client: data?.remoteAddress, maxConnections: config.server.maxConnections },
      "connection refused: too many connections",
    );
  });

  try {
    await listen(tlsServer, config.server.host, config.server.port);
  } catch (err) {
    await client.close();
    throw err;
  }
  const address = tlsServer.address() as AddressInfo;
  return {
    address,
    certificateFingerprint: identity.fingerprintSha256,
    async close(): Promise<void> {
      const stopped = new Promise<void>((resolve) => tlsServer.close(() => resolve()));
      await Promise.all([...connections].map((c) => c.close(DRAIN_GRACE_MS)));
      await stopped;
      await client.close();
    },
  };
}

function listen(server: tls.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
