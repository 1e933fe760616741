/**
 * Replay protection: a Hawk nonce may be used once per key within the allowed clock skew.
 * A client that re-sends the same Authorization header on a retry is caught here.
 */

/** Remembers the nonces seen within a time window. */
export class NonceRegistry {
  readonly #windowMs: number;
  /** `key nonce ts` -> the time it was seen, in ms. */
  readonly #seen = new Map<string, number>();

  /** @param windowMs how long a nonce is remembered. */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Records a nonce; throws if it was already seen within the window. */
  use(key: string, nonce: string, ts: string, now: number): void {
    this.#prune(now);
    const id = `${key}\n${nonce}\n${ts}`;
    if (this.#seen.has(id)) {
      throw new Error('nonce already used');
    }
    this.#seen.set(id, now);
  }

  #prune(now: number): void {
    for (const [id, seenAt] of this.#seen) {
      if (now - seenAt <= this.#windowMs) {
        // Insertion order is time order, so the rest is newer.
        return;
      }
      this.#seen.delete(id);
    }
  }
}
