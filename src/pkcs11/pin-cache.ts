/**
 * The user PINs tokens accepted, in memory only: the last PIN each token verified, to log
 * restarted workers in, and an HMAC-SHA256 of it under a random per-process key, so a
 * presented PIN is compared in constant time without a token round trip.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { TokenSelector } from "./types.js";

interface Entry {
  readonly pin: string;
  readonly mac: Buffer;
}

export class PinCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<TokenSelector, Entry>();
  /** Increases on every change, so a worker being started can tell it missed one. */
  version = 0;

  private mac(pin: string): Buffer {
    return createHmac("sha256", this.key).update(pin, "utf8").digest();
  }

  /** True when `pin` is the last PIN this token accepted. */
  matches(token: TokenSelector, pin: string): boolean {
    const entry = this.entries.get(token);
    return entry !== undefined && timingSafeEqual(entry.mac, this.mac(pin));
  }

  /** Records a PIN the token accepted. */
  remember(token: TokenSelector, pin: string): void {
    this.entries.set(token, { pin, mac: this.mac(pin) });
    this.version++;
  }

  /** Known good PINs, to log a worker in. */
  known(): Array<{ token: TokenSelector; pin: string }> {
    return [...this.entries].map(([token, entry]) => ({ token, pin: entry.pin }));
  }
}
