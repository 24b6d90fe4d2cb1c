/**
 * The credential a connection last proved, so that its next requests with the very same
 * Username and Password skip the PIN check (an HMAC-SHA256 of the Password per request, ~4 µs,
 * 3% of the relay's CPU per signature; docs/performance.md).
 *
 * Safe because:
 * - it is per connection: the Password is compared with what the same TLS peer sent before,
 *   so the comparison's timing tells that peer nothing it does not already know;
 * - only an exact match of Username and Password is accepted: any other credential (another
 *   PIN, another token) goes through the Authenticator, with its failure throttling;
 * - it holds only while the relay's PIN epoch is unchanged: once any token accepted a new
 *   PIN (a PIN changed outside the relay), every memo is re-verified.
 * A failed check clears the memo. PINs in memory only, never logged.
 */
import type { TokenSelector } from "../pkcs11/types.js";

export class CredentialMemo {
  private username: string | undefined;
  private password: string | undefined;
  private epoch = -1;

  /** The token of the remembered credential when `username`/`password` are exactly it. */
  lookup(username: string, password: string, epoch: number): TokenSelector | undefined {
    if (this.username === undefined || epoch !== this.epoch) return undefined;
    return username === this.username && password === this.password ? this.username : undefined;
  }

  /** Records a credential the Authenticator accepted under PIN epoch `epoch`. */
  remember(username: string, password: string, epoch: number): void {
    this.username = username;
    this.password = password;
    this.epoch = epoch;
  }

  /** Forgets the credential (after a failed check on this connection). */
  clear(): void {
    this.username = undefined;
    this.password = undefined;
    this.epoch = -1;
  }
}
