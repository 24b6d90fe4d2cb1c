// The relay's configuration as the rest of the program sees it: camelCase, every default
// filled in, read-only. The file format (kebab-case TOML, `version = "v1"`) is the one of
// NLnetLabs' kmip2pkcs11 / cascade-hsm-bridge, plus our own keys; see docs/configuration.md.

/** Minimum severity of logged messages (the incumbent's names; `warning` is pino's `warn`). */
export type LogLevel = "trace" | "debug" | "info" | "warning" | "error";

/** Where log lines go. `syslog` is accepted for compatibility and written to stderr. */
export type LogTarget =
  | { readonly type: "stderr" }
  | { readonly type: "file"; readonly path: string }
  | { readonly type: "syslog" };

/** TLS certificate (chain) and private key files, PEM. */
export interface IdentityFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

/** The user and group to switch to after start-up (`[daemon] identity = "user:group"`). */
export interface ProcessIdentity {
  readonly user: string;
  readonly group: string;
}

/** `[pkcs11]`: the vendor module and the worker processes that load it. */
export interface Pkcs11Config {
  /** Path of the PKCS#11 module (`lib-path`, required). */
  readonly libPath: string;
  /** Number of worker processes (`workers`). */
  readonly workers: number;
  /** A PKCS#11 call running longer than this is abandoned and its worker restarted. */
  readonly callTimeoutMs: number;
  /**
   * How many steps (nice) below the relay's own priority the workers run (`worker-nice`): on
   * a busy machine the relay then gets a core as soon as a request or an answer arrives.
   */
  readonly workerNice: number;
  /** Extra environment variables for the workers (e.g. SOFTHSM2_CONF). */
  readonly env: Readonly<Record<string, string>>;
  /** Whether Create Key Pair may make 1024-bit RSA keys (too weak for new keys). */
  readonly allowRsa1024: boolean;
  /**
   * KMIP State of a key created or registered without an Activation Date (`new-key-state`):
   * "active" (the incumbent relay's behaviour) or "pre-active" (KMIP's rule: wait for Activate).
   */
  readonly newKeyState: NewKeyState;
  /** Token used for requests without a Credential (`token-label` + `pin-file`/`pin-env`). */
  readonly defaultToken?: DefaultToken;
}

/** The values of `[pkcs11] new-key-state`. */
export type NewKeyState = "active" | "pre-active";

/** Where the default token's user PIN comes from; read at start, never logged. */
export type PinSource =
  | { readonly type: "file"; readonly path: string }
  | { readonly type: "env"; readonly name: string };

/** The token of clients that send no Credential and rely on their TLS client certificate. */
export interface DefaultToken {
  readonly label: string;
  readonly pin: PinSource;
}

/** What a client certificate must carry to match a `[[clients]]` entry (exactly one). */
export type ClientMatch =
  | { readonly type: "cn"; readonly value: string }
  | { readonly type: "san"; readonly value: string }
  | { readonly type: "spki-sha256"; readonly value: string };

/** One `[[clients]]` entry: an identity and what it may do. */
export interface ClientRule {
  readonly match: ClientMatch;
  /** Token selectors (KMIP Username / label) it may use; absent: any. */
  readonly tokens?: readonly string[];
  /** KMIP operation names (`Sign`, `Get`, ...) it may run; absent: any. */
  readonly operations?: readonly string[];
}

/** `[server] tls-min-version`: TLS 1.0 and 1.1 are never accepted. */
export type TlsMinVersion = "1.2" | "1.3";

/** `[server]`: the KMIP TLS listener. */
export interface ServerConfig {
  /** Host part of `addr`, without brackets for IPv6. */
  readonly host: string;
  /** Port part of `addr` (0 lets the OS choose). */
  readonly port: number;
  /** `[server.identity]`; absent: a self-signed certificate kept in `stateDir`. */
  readonly identity?: IdentityFiles;
  /** CA bundle (PEM) that client certificates must chain to; absent: no client certificates. */
  readonly clientCaPath?: string;
  /** CRL file (PEM) of the client CA; a revoked client certificate is refused. */
  readonly clientCrlPath?: string;
  /** A connection with no request for this long is closed; 0 never closes. */
  readonly idleTimeoutMs: number;
  /** A request whose first byte is in must be in whole within this time (slow senders). */
  readonly requestReadTimeoutMs: number;
  /** Largest accepted KMIP message (TTLV header included). */
  readonly maxMessageBytes: number;
  /** Deepest accepted nesting of TTLV structures. */
  readonly maxDepth: number;
  /** Simultaneous client connections; more are refused. */
  readonly maxConnections: number;
  /** Most batch items in one request; a larger batch is refused whole. */
  readonly maxBatchItems: number;
  /** Largest response the relay builds for one request, whatever the client allows. */
  readonly maxResponseBytes: number;
  /** Simultaneous connections from one IP address; 0 = no per-address cap. */
  readonly maxConnectionsPerAddress: number;
  /** Requests processed at once per connection before its reading pauses. */
  readonly maxInFlightPerConnection: number;
  /** Time a TLS handshake may take before the connection is dropped. */
  readonly tlsHandshakeTimeoutMs: number;
  /** Most random bytes one RNG Retrieve returns. */
  readonly maxRngBytes: number;
  /** Oldest TLS version accepted. */
  readonly tlsMinVersion: TlsMinVersion;
  /** OpenSSL names of the accepted cipher suites (TLS 1.3 `TLS_*` ones included). */
  readonly tlsCiphers: readonly string[];
  /** Directory for state the relay creates itself (the generated self-signed certificate). */
  readonly stateDir: string;
}

/** `[daemon]`: process-level settings. */
export interface DaemonConfig {
  readonly logLevel: LogLevel;
  readonly logTarget: LogTarget;
  /** Accepted for compatibility; the relay always stays in the foreground. */
  readonly daemonize: boolean;
  /** File to write the process id to (removed on exit). */
  readonly pidFile?: string;
  /** User and group to switch to before the workers start (needs root). */
  readonly identity?: ProcessIdentity;
}

/** The whole, validated, defaulted configuration. */
export interface RelayConfig {
  readonly pkcs11: Pkcs11Config;
  readonly server: ServerConfig;
  readonly daemon: DaemonConfig;
  /** `[[clients]]`; absent: every client the TLS layer accepts may do anything. */
  readonly clients?: readonly ClientRule[];
}
