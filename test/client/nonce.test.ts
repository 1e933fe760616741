import { describe, expect, it } from 'vitest';
import { NONCE_LENGTH, nextNonce } from '../../src/client/nonce.js';

describe('Hawk nonces', () => {
  it('are 11 base64url characters (66 bits: no collision within a second at any request rate), distinct across pool refills', () => {
    expect(NONCE_LENGTH).toBe(11);
    // 2,000 nonces span more than three refills of the pool.
    const nonces = Array.from({ length: 2_000 }, nextNonce);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});
