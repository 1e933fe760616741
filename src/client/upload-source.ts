/**
 * The data of an upload: bytes, a string, or a file. Its size and hashes are known before the
 * upload starts (the object service is told them up front), and each attempt of the PUT gets a
 * fresh body; a file is read from disk for hashing and again for each attempt, never held whole.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { CONTENT_HASH_ALGORITHMS, type ContentHashes, contentHashes } from './content-digest.js';

/** What to upload: bytes, a string (sent as UTF-8), or `{ file: path }` (streamed from disk). */
export type UploadData = Uint8Array | string | { file: string };

/** Bytes of a file read per chunk of an upload body. */
const FILE_CHUNK_BYTES = 64 * 1024;

/** Data ready to upload. */
export interface UploadSource {
  /** Bytes to send. */
  readonly size: number;
  readonly hashes: ContentHashes;
  /** A fresh body for one attempt. */
  body(): Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>;
}

/** Throws an {@link InputError} unless `data` is {@link UploadData}. */
export function checkUploadData(data: unknown): asserts data is UploadData {
  if (typeof data === 'string' || data instanceof Uint8Array) return;
  if (typeof data === 'object' && data !== null && 'file' in data) {
    if (typeof data.file === 'string' && data.file !== '') return;
  }
  throw new InputError('data must be a string, a Uint8Array (e.g. a Buffer) or { file: path }');
}

/** The bytes to send; a view of a shared buffer is copied, since fetch cannot send one. */
function bytesOf(data: Uint8Array | string): Uint8Array<ArrayBuffer> {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return data.buffer instanceof ArrayBuffer
    ? (data as Uint8Array<ArrayBuffer>)
    : new Uint8Array(data);
}

async function fileDigest(path: string): Promise<{ size: number; hashes: ContentHashes }> {
  const hashes = CONTENT_HASH_ALGORITHMS.map((algorithm) => createHash(algorithm));
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    for (const hash of hashes) hash.update(bytes);
  }
  const [sha256, sha512] = hashes.map((hash) => hash.digest('hex'));
  return { size, hashes: { sha256: sha256!, sha512: sha512! } };
}

/** A file's content as a web stream, read chunk by chunk as the request pulls it. */
function fileBody(path: string): ReadableStream<Uint8Array> {
  let file: FileHandle | undefined;
  return new ReadableStream<Uint8Array>({
    async start() {
      file = await open(path, 'r');
    },
    async pull(controller) {
      const chunk = Buffer.alloc(FILE_CHUNK_BYTES);
      const { bytesRead } = await file!.read(chunk, 0, FILE_CHUNK_BYTES, null);
      if (bytesRead === 0) {
        await file!.close();
        controller.close();
      } else {
        controller.enqueue(chunk.subarray(0, bytesRead));
      }
    },
    async cancel() {
      await file?.close();
    },
  });
}

/** Size, hashes and body factory of the data of an upload. */
export async function uploadSource(data: UploadData): Promise<UploadSource> {
  if (typeof data === 'object' && !(data instanceof Uint8Array)) {
    const { size, hashes } = await fileDigest(data.file);
    return { size, hashes, body: () => fileBody(data.file) };
  }
  const bytes = bytesOf(data);
  return { size: bytes.byteLength, hashes: contentHashes(bytes), body: () => bytes };
}
