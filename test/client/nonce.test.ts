import { describe, expect, it } from 'vitest';
import { NONCE_LENGTH, nextNonce } from '../../src/client/nonce.js';

describe('Hawk nonces', () => {
  it('are base64url strings of the hawk length, distinct across pool refills', () => {
    // 2,000 nonces span more than two refills of the pool.
    const nonces = Array.from({ length: 2_000 }, nextNonce);
    for (const nonce of nonces)
      expect(nonce).toMatch(new RegExp(`^[A-Za-z0-9_-]{${NONCE_LENGTH}}$`));
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});
