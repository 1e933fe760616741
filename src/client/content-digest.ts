/**
 * The sha256/sha512 hashes and length of data as it streams by, checked against what the object
 * service announced, and the hashes an upload announces.
 */
import { createHash, type Hash } from 'node:crypto';
import { ArtifactIntegrityError } from './artifact-errors.js';

/** The hash algorithms the object service announces and this client verifies. */
export const CONTENT_HASH_ALGORITHMS = ['sha256', 'sha512'] as const;

/** A hash algorithm the object service announces and downloads verify: `sha256` or `sha512`. */
export type ContentHashAlgorithm = (typeof CONTENT_HASH_ALGORITHMS)[number];

/** Hex digests by algorithm. */
export type ContentHashes = Record<ContentHashAlgorithm, string>;

/** What downloaded data must match. */
export interface ExpectedContent {
  /** Hex digests; at least one must be given. */
  hashes: Partial<Record<ContentHashAlgorithm, string>>;
  /** The number of bytes announced, when known. */
  length: number | undefined;
}

/** The hashes of some data, as an upload announces them. */
export function contentHashes(data: Uint8Array): ContentHashes {
  return {
    sha256: createHash('sha256').update(data).digest('hex'),
    sha512: createHash('sha512').update(data).digest('hex'),
  };
}

/** Hashes and counts chunks, then checks them against the expected content. */
export class ContentDigest {
  readonly #expected: ExpectedContent;
  readonly #hashes: { algorithm: ContentHashAlgorithm; hash: Hash; expected: string }[] = [];
  #length = 0;

  constructor(expected: ExpectedContent) {
    this.#expected = expected;
    for (const algorithm of CONTENT_HASH_ALGORITHMS) {
      const digest = expected.hashes[algorithm];
      if (digest !== undefined) {
        this.#hashes.push({ algorithm, hash: createHash(algorithm), expected: digest });
      }
    }
  }

  /** Adds a chunk of data. */
  update(chunk: Uint8Array): void {
    this.#length += chunk.byteLength;
    for (const { hash } of this.#hashes) hash.update(chunk);
  }

  /**
   * Throws an {@link ArtifactIntegrityError} naming `what` and `url` unless the data seen so far
   * is complete and matches every expected hash (and there was at least one to check).
   */
  verify(what: string, url: string): void {
    if (this.#hashes.length === 0) {
      throw new ArtifactIntegrityError(what, url, { type: 'no-hashes' });
    }
    const length = this.#expected.length;
    if (length !== undefined && length !== this.#length) {
      throw new ArtifactIntegrityError(what, url, {
        type: 'length',
        expected: length,
        actual: this.#length,
      });
    }
    for (const { algorithm, hash, expected } of this.#hashes) {
      if (hash.digest('hex') !== expected.toLowerCase()) {
        throw new ArtifactIntegrityError(what, url, { type: 'hash', algorithm });
      }
    }
  }
}
