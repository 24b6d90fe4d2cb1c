/**
 * Authentication, as the NLnetLabs relay does it: the request's Username selects the token
 * (label, then slot id, then slot index) and the Password is the token's user PIN.
 *
 * Every request's PIN is checked (the PKCS#11 client verifies it against the token, with a
 * fast path for the PIN it already verified). Without a Credential, a client that showed a
 * certificate may use the configured default token (`[pkcs11] token-label`, needs mutual TLS).
 * Failures are throttled per client (the caller's key: the certificate's public key when
 * there is one, else the remote address), so that no
 * client can burn through the token's PIN retry counter: after `freeFailures` consecutive
 * failures a client is locked out for a doubling time, and its attempts are refused without
 * reaching the token.
 */
import type { Logger } from "pino";
import type { Pkcs11Config } from "../config/schema.js";
import { readPin } from "../config/secrets.js";
import { kmipErrors } from "../kmip/errors.js";
import type { RequestHeader } from "../kmip/messages.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKR } from "../pkcs11/constants.js";
import { Pkcs11Error } from "../pkcs11/errors.js";
import type { TokenSelector } from "../pkcs11/types.js";

/** Throttle settings (documented in docs/configuration.md). */
export interface AuthThrottleOptions {
  /** Consecutive failures allowed before the first lock-out. */
  readonly freeFailures: number;
  /** First lock-out; each further failure doubles it. */
  readonly lockoutMs: number;
  readonly maxLockoutMs: number;
  /** Most clients remembered at once; the oldest entry goes first. */
  readonly maxTrackedClients: number;
}

/** Defaults for {@link AuthThrottleOptions}. */
export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = {
  freeFailures: 3,
  lockoutMs: 1_000,
  maxLockoutMs: 5 * 60_000,
  maxTrackedClients: 10_000,
};

interface FailureRecord {
  failures: number;
  lockedUntil: number;
}

/** PKCS#11 return values that mean "this PIN is wrong or unusable". */
const PIN_REJECTIONS: ReadonlySet<number> = new Set([
  CKR.PIN_INCORRECT,
  CKR.PIN_INVALID,
  CKR.PIN_LEN_RANGE,
  CKR.PIN_EXPIRED,
  CKR.PIN_LOCKED,
]);

/** The token and PIN used for requests without a Credential (`[pkcs11] token-label`). */
export interface DefaultLogin {
  readonly label: string;
  /** The token's user PIN: never logged. */
  readonly pin: string;
}

/**
 * Reads the default token's PIN (`[pkcs11] pin-file`, mode 0600 or stricter, or `pin-env`:
 * `[pkcs11] env` first, then the relay's environment); undefined without `token-label`.
 */
export async function loadDefaultLogin(pkcs11: Pkcs11Config): Promise<DefaultLogin | undefined> {
  const token = pkcs11.defaultToken;
  if (token === undefined) return undefined;
  return { label: token.label, pin: await readPin(token.pin, { ...process.env, ...pkcs11.env }) };
}

/** Checks request credentials against the token, throttling failures per client. */
export class Authenticator {
  private readonly failures = new Map<string, FailureRecord>();

  constructor(
    private readonly client: Pkcs11Client,
    private readonly logger: Logger,
    private readonly options: AuthThrottleOptions = DEFAULT_AUTH_THROTTLE,
    private readonly now: () => number = Date.now,
    /** With mutual TLS: the token of clients that send no Credential. */
    private readonly defaultLogin?: DefaultLogin,
  ) {}

  /** The token selector a request would log in to: its Username, or the default token's. */
  selectorFor(credential: RequestHeader["credential"]): string | undefined {
    if (credential === undefined) return this.defaultLogin?.label;
    return credential.type === "UsernameAndPassword" ? credential.username : undefined;
  }

  /**
   * Returns the token selected by the credential once its PIN is verified; throws KmipError
   * Authentication Not Successful with a message that says why.
   */
  async authenticate(
    given: RequestHeader["credential"],
    clientKey: string,
  ): Promise<TokenSelector> {
    const credential: RequestHeader["credential"] =
      given === undefined && this.defaultLogin !== undefined
        ? {
            type: "UsernameAndPassword",
            username: this.defaultLogin.label,
            password: this.defaultLogin.pin,
          }
        : given;
    if (credential === undefined) {
      throw kmipErrors.authentication("no Credential in the request header");
    }
    if (credential.type !== "UsernameAndPassword") {
      throw kmipErrors.authentication(
        `Credential Type ${credential.credentialType} is not supported: use Username and Password`,
      );
    }
    if (credential.password === undefined || credential.password === "") {
      throw kmipErrors.authentication("the credential has no Password (the token's user PIN)");
    }
    this.refuseIfLockedOut(clientKey);
    try {
      await this.client.login(credential.username, credential.password);
    } catch (err) {
      if (err instanceof Pkcs11Error && PIN_REJECTIONS.has(err.ckr)) {
        this.recordFailure(clientKey, credential.username);
        throw kmipErrors.authentication(
          `login to token "${credential.username}" failed: wrong PIN`,
        );
      }
      throw err;
    }
    this.failures.delete(clientKey);
    return credential.username;
  }

  private refuseIfLockedOut(clientKey: string): void {
    const record = this.failures.get(clientKey);
    if (record === undefined) return;
    const waitMs = record.lockedUntil - this.now();
    if (waitMs > 0) {
      this.logger.warn(
        { client: clientKey, failures: record.failures, retryInMs: waitMs },
        "login refused: client locked out after failed logins",
      );
      throw kmipErrors.authentication(
        `too many failed logins from this client: retry in ${Math.ceil(waitMs / 1000)} s`,
      );
    }
  }

  private recordFailure(clientKey: string, token: string): void {
    const record = this.failures.get(clientKey) ?? { failures: 0, lockedUntil: 0 };
    record.failures += 1;
    const over = record.failures - this.options.freeFailures;
    if (over >= 0) {
      const lockMs = Math.min(this.options.lockoutMs * 2 ** over, this.options.maxLockoutMs);
      record.lockedUntil = this.now() + lockMs;
      this.logger.warn(
        { client: clientKey, token, failures: record.failures, lockoutMs: lockMs },
        "login failures: client locked out",
      );
    }
    this.failures.delete(clientKey); // re-insert: the Map's order is then oldest-first
    this.failures.set(clientKey, record);
    if (this.failures.size > this.options.maxTrackedClients) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }
}
