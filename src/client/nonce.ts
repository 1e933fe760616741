/**
 * Hawk nonces drawn from a pool of random bytes filled a few kilobytes at a time: the `hawk`
 * client would otherwise ask the system for 6 random characters on every request.
 */
import { randomBytes } from 'node:crypto';

/** Characters of one nonce, as many as the `hawk` client's own nonces have. */
export const NONCE_LENGTH = 6;
/** Random bytes fetched per refill: about 900 nonces. */
const POOL_BYTES = 4096;

let pool = '';
let offset = 0;

/** A fresh random nonce of {@link NONCE_LENGTH} base64url characters. */
export function nextNonce(): string {
  if (offset + NONCE_LENGTH > pool.length) {
    pool = randomBytes(POOL_BYTES).toString('base64url');
    offset = 0;
  }
  const nonce = pool.slice(offset, offset + NONCE_LENGTH);
  offset += NONCE_LENGTH;
  return nonce;
}
