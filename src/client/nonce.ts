/**
 * Hawk nonces drawn from a pool of random bytes filled a few kilobytes at a time: the `hawk`
 * client would otherwise ask the system for 6 random characters on every request.
 */
import { randomBytes } from 'node:crypto';

/**
 * Characters of one nonce: 66 random bits. The `hawk` client's own 6 characters (36 bits) let
 * two requests of one second share a nonce about every hour and a half at 5,000 requests a
 * second, and a server that refuses replays then refuses one of them (seen in this project's
 * benchmark); at 66 bits, about every 190,000 years.
 */
export const NONCE_LENGTH = 11;
/** Random bytes fetched per refill: about 500 nonces. */
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
