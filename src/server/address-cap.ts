/**
 * `[server] max-connections-per-address`: how many connections each remote IP address holds,
 * so that one address cannot take all of `max-connections`. Counted from the TCP accept, so
 * connections still in their TLS handshake count too.
 */

/** Connection counts per remote address, with a cap (0: no cap, nothing is counted). */
export class AddressCap {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts a new connection from `address`; false (and not counted) when it is over the cap. */
  admit(address: string): boolean {
    if (this.max === 0) return true;
    const count = this.counts.get(address) ?? 0;
    if (count >= this.max) return false;
    this.counts.set(address, count + 1);
    return true;
  }

  /** Forgets one admitted connection from `address`. */
  release(address: string): void {
    if (this.max === 0) return;
    const count = this.counts.get(address) ?? 0;
    if (count <= 1) this.counts.delete(address);
    else this.counts.set(address, count - 1);
  }

  /** Connections counted for `address`. */
  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }
}
