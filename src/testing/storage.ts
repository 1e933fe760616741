/**
 * Plain blob storage of the simulated deployment, in the role S3 plays for a real one: content
 * served by GET and uploaded by PUT on URLs of the same server, with no Hawk.
 */

import { notFound, SimulatedApiError } from './api-error.js';
import type { ApiServer } from './api-server.js';

/** The path prefix of storage URLs. */
export const STORAGE_PATH = '/storage';

/** One stored blob. */
export interface StoredBlob {
  content: Buffer;
  contentType: string;
}

/** In-memory blobs by key, and the keys that accept an upload. */
export class SimulatedStorage {
  readonly #blobs = new Map<string, StoredBlob>();
  readonly #uploads = new Map<string, { contentType: string; contentLength: number }>();
  readonly #rootUrl: string;

  constructor(rootUrl: string) {
    this.#rootUrl = rootUrl;
  }

  /** The URL a blob is served at (and uploaded to). */
  url(key: string): string {
    return `${this.#rootUrl}${STORAGE_PATH}/${encodeURIComponent(key)}`;
  }

  /** Stores (or replaces) a blob. */
  put(key: string, content: Buffer, contentType: string): void {
    this.#blobs.set(key, { content, contentType });
  }

  /** The blob stored under a key, if any. */
  get(key: string): StoredBlob | undefined {
    return this.#blobs.get(key);
  }

  /** Allows one PUT to the key's URL, with exactly this content type and length. */
  expectUpload(key: string, contentType: string, contentLength: number): void {
    this.#uploads.set(key, { contentType, contentLength });
  }

  /** Registers the storage routes: GET serves a blob, PUT stores an expected upload. */
  register(server: ApiServer): void {
    server.plainRoute('GET', `${STORAGE_PATH}/<key>`, (ctx) => {
      const blob = this.#blobs.get(ctx.params.key!);
      if (!blob) {
        throw notFound('No such blob');
      }
      return { body: blob.content, headers: { 'content-type': blob.contentType } };
    });
    server.plainRoute('PUT', `${STORAGE_PATH}/<key>`, (ctx) => {
      const key = ctx.params.key!;
      const expected = this.#uploads.get(key);
      if (!expected) {
        throw new SimulatedApiError(403, 'AccessDenied', 'No upload is expected at this URL');
      }
      if (ctx.headers['content-type'] !== expected.contentType) {
        throw new SimulatedApiError(
          400,
          'InvalidRequest',
          'Content-Type differs from the announced one',
        );
      }
      if (ctx.rawBody.length !== expected.contentLength) {
        throw new SimulatedApiError(
          400,
          'IncompleteBody',
          `Expected ${expected.contentLength} bytes, received ${ctx.rawBody.length}`,
        );
      }
      this.#uploads.delete(key);
      this.put(key, ctx.rawBody, expected.contentType);
      return { status: 200 };
    });
  }
}
