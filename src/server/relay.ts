/**
 * The relay: a TLS listener (KMIP over TLS, port 5696 by default) in front of the PKCS#11
 * worker processes. Wires the server identity, the PKCS#11 supervisor, the authenticator and
 * the per-connection handlers together, and shuts them down in order.
 */
import { readFile } from "node:fs/promises";
import type { AddressInfo, Socket } from "node:net";
import tls from "node:tls";
import type { Logger } from "pino";
import type { RelayConfig } from "../config/schema.js";
import { LifecycleStore } from "../operations/lifecycle-store.js";
import type { ServerFacts } from "../operations/types.js";
import { startPkcs11 } from "../pkcs11/supervisor.js";
import { AddressCap } from "./address-cap.js";
import { Authenticator, DEFAULT_AUTH_THROTTLE, loadDefaultLogin } from "./auth.js";
import { identityLabel, identityOfCertificate } from "./client-identity.js";
import { ClientPolicy } from "./client-policy.js";
import { type ServedConnection, serveConnection } from "./connection.js";
import type { DispatchDeps } from "./dispatch.js";
import { loadServerIdentity, type ServerIdentity } from "./identity.js";
import { PRODUCT_NAME, PRODUCT_VERSION } from "./product.js";
import { type IdentityReload, reloadServerIdentity } from "./reload.js";
import { secureContextOptions } from "./tls-options.js";

/** A running relay. */
export interface RunningRelay {
  readonly address: AddressInfo;
  /** SHA-256 fingerprint of the server certificate (AA:BB:...); changes on reload. */
  readonly certificateFingerprint: string;
  /**
   * Reads the certificate and key files again and serves them to new connections (open
   * ones keep theirs); on failure logs why and keeps the current identity (SIGHUP).
   */
  reloadIdentity(): Promise<IdentityReload>;
  /** Stops accepting, drains in-flight requests, shuts the PKCS#11 workers down. */
  close(): Promise<void>;
}

/** How long close() waits for in-flight requests before cutting connections. */
const DRAIN_GRACE_MS = 5_000;

/** Starts the relay described by `config`; resolves once it accepts connections. */
export async function startRelay(opts: {
  config: RelayConfig;
  logger: Logger;
  /** A listening socket passed by the service manager (systemd), served instead of `addr`. */
  listenFd?: number;
}): Promise<RunningRelay> {
  const { config, logger } = opts;
  let identity = await loadServerIdentity(config.server, logger);
  const ca =
    config.server.clientCaPath === undefined
      ? undefined
      : await readFile(config.server.clientCaPath);
  const crl =
    config.server.clientCrlPath === undefined
      ? undefined
      : await readFile(config.server.clientCrlPath);
  const defaultLogin = await loadDefaultLogin(config.pkcs11);
  const client = await startPkcs11({
    libPath: config.pkcs11.libPath,
    workers: config.pkcs11.workers,
    callTimeoutMs: config.pkcs11.callTimeoutMs,
    workerNice: config.pkcs11.workerNice,
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
    authenticator: new Authenticator(client, logger, DEFAULT_AUTH_THROTTLE, Date.now, defaultLogin),
    logger,
    server,
    limits: { maxMessageBytes: config.server.maxMessageBytes, maxDepth: config.server.maxDepth },
    options: {
      allowRsa1024: config.pkcs11.allowRsa1024,
      maxRngBytes: config.server.maxRngBytes,
      newKeyState: config.pkcs11.newKeyState,
    },
    // One lifecycle store per relay; one relay per token is assumed (lifecycle-store.ts).
    lifecycle: new LifecycleStore(client),
    maxBatchItems: config.server.maxBatchItems,
    maxResponseBytes: config.server.maxResponseBytes,
    ...(config.clients === undefined ? {} : { clientPolicy: new ClientPolicy(config.clients) }),
  };
  const limits = {
    maxMessageBytes: config.server.maxMessageBytes,
    idleTimeoutMs: config.server.idleTimeoutMs,
    maxInFlight: config.server.maxInFlightPerConnection,
    requestReadTimeoutMs: config.server.requestReadTimeoutMs,
  };
  const connections = new Set<ServedConnection>();
  let nextConnectionId = 1;

  // The same options at start and on every identity reload (setSecureContext replaces all).
  const contextOptions = (id: ServerIdentity) => ({
    ...secureContextOptions(config.server, id, ca),
    ...(crl === undefined ? {} : { crl }),
  });
  const tlsServer = tls.createServer({
    ...contextOptions(identity),
    handshakeTimeout: config.server.tlsHandshakeTimeoutMs,
    // With a client CA, certificates are requested but checked here rather than by the TLS
    // stack, so that a refusal can be logged with its reason (under TLS 1.3 the server would
    // otherwise only see ECONNRESET).
    ...(ca === undefined ? {} : { requestCert: true, rejectUnauthorized: false }),
  });
  tlsServer.maxConnections = config.server.maxConnections;
  refuseOverAddressCap(tlsServer, new AddressCap(config.server.maxConnectionsPerAddress), logger);

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
    const cert = ca === undefined ? undefined : socket.getPeerX509Certificate();
    const identity = cert === undefined ? undefined : identityOfCertificate(cert);
    logger.debug(
      {
        conn: connectionId,
        client: clientKey,
        tls: socket.getProtocol(),
        ...(identity === undefined ? {} : { identity: identityLabel(identity) }),
      },
      "connection",
    );
    const peer = { key: clientKey, connectionId, ...(identity === undefined ? {} : { identity }) };
    const served = serveConnection(socket, peer, deps, limits, () => connections.delete(served));
    connections.add(served);
  });
  // With a listener here Node.js leaves the socket open (even on its own handshake timeout):
  // close it, or a client that never finishes a handshake holds the connection for good.
  tlsServer.on("tlsClientError", (err, socket) => {
    logger.warn({ client: socket.remoteAddress, err: err.message }, "TLS handshake failed");
    socket.destroy();
  });
  tlsServer.on("drop", (data) => {
    logger.warn(
      { client: data?.remoteAddress, maxConnections: config.server.maxConnections },
      "connection refused: too many connections",
    );
  });

  try {
    await listen(
      tlsServer,
      opts.listenFd === undefined
        ? { host: config.server.host, port: config.server.port }
        : { fd: opts.listenFd },
    );
  } catch (err) {
    await client.close();
    throw err;
  }
  const address = tlsServer.address() as AddressInfo;
  return {
    address,
    get certificateFingerprint() {
      return identity.fingerprintSha256;
    },
    async reloadIdentity(): Promise<IdentityReload> {
      const reload = await reloadServerIdentity(tlsServer, config.server, contextOptions, logger);
      if (reload.identity !== undefined) identity = reload.identity;
      return reload.result;
    },
    async close(): Promise<void> {
      const stopped = new Promise<void>((resolve) => tlsServer.close(() => resolve()));
      await Promise.all([...connections].map((c) => c.close(DRAIN_GRACE_MS)));
      await stopped;
      await client.close();
    },
  };
}

/**
 * Closes, before any TLS, connections from an address that already holds as many as
 * `max-connections-per-address`; other addresses are not affected.
 */
function refuseOverAddressCap(server: tls.Server, cap: AddressCap, logger: Logger): void {
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "unknown";
    if (!cap.admit(address)) {
      logger.warn(
        { client: address, connections: cap.count(address) },
        "connection refused: too many connections from this address",
      );
      socket.destroy();
      return;
    }
    socket.once("close", () => cap.release(address));
  });
}

function listen(
  server: tls.Server,
  target: { host: string; port: number } | { fd: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(target, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
