/**
 * Downloading data from a storage URL into what the caller asked for: a Buffer, a Node Readable,
 * a web ReadableStream or a file. Data is hashed as it arrives when there are hashes to check, so
 * no target holds more in memory than the caller asked for.
 */
import { randomUUID } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ContentDigest, type ContentHashAlgorithm } from './content-digest.js';
import { type StorageAttempt, type StorageContext, storageRequest } from './storage-request.js';

/**
 * Where downloaded data goes: `'buffer'`, `'stream'` (a Node `Readable`), `'web-stream'` (a web
 * `ReadableStream`), or `{ file: path }` (replaced once the data is complete and verified).
 */
export type DownloadTarget = 'buffer' | 'stream' | 'web-stream' | { file: string };

/** A downloaded file. */
export interface DownloadedFile {
  /** The path the data was written to. */
  path: string;
  /** Its size in bytes. */
  size: number;
}

/** What a download to `T` gives. */
export type DownloadBody<T extends DownloadTarget> = T extends 'buffer'
  ? Buffer
  : T extends 'stream'
    ? Readable
    : T extends 'web-stream'
      ? ReadableStream<Uint8Array>
      : DownloadedFile;

/** The result of a download. */
export interface Download<Body> {
  /** The `Content-Type` the storage answered with. */
  contentType: string | undefined;
  /**
   * The data. Streams are returned once the storage answered; a network failure while reading
   * them, or data that fails verification, ends them with an error instead of `end`.
   */
  body: Body;
}

/** What the downloaded data must be checked against, and how it is named in errors. */
export interface DownloadCheck {
  /** E.g. `object t/abc/0/public/log.txt`, for messages. */
  what: string;
  /** The announced hex digests; `undefined` for data that comes with none (s3, reference). */
  hashes: Partial<Record<ContentHashAlgorithm, string>> | undefined;
}

/** The announced length of a response body, when the bytes read are the bytes sent. */
function announcedLength(response: Response): number | undefined {
  const header = response.headers.get('content-length');
  if (header === null || response.headers.get('content-encoding') !== null) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** The chunks of one attempt's body, hashed (and at the end verified) when `check` has hashes. */
async function* chunks(attempt: StorageAttempt, check: DownloadCheck): AsyncGenerator<Uint8Array> {
  const digest =
    check.hashes === undefined
      ? undefined
      : new ContentDigest({ hashes: check.hashes, length: announcedLength(attempt.response) });
  const body = attempt.response.body;
  if (body !== null) {
    const reader = body.getReader();
    let done = false;
    try {
      while (true) {
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (error) {
          // A stream handed on is read after storageRequest returned: name the abort here.
          attempt.throwIfAborted();
          throw error;
        }
        if (next.done) break;
        attempt.progress();
        digest?.update(next.value);
        yield next.value;
      }
      done = true;
    } finally {
      // A reader that stopped early (an error, or a stream destroyed by its consumer) frees the
      // connection.
      if (!done) await reader.cancel().catch(() => undefined);
    }
  }
  digest?.verify(check.what, attempt.safeUrl);
}

async function toBuffer(attempt: StorageAttempt, check: DownloadCheck): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks(attempt, check)) parts.push(chunk);
  return Buffer.concat(parts);
}

async function toFile(
  attempt: StorageAttempt,
  check: DownloadCheck,
  path: string,
): Promise<DownloadedFile> {
  // Written beside the target and renamed when complete and verified: the target never holds
  // partial or unverified data, and a file already there survives a failed download.
  const partial = `${path}.${randomUUID()}.part`;
  let file: FileHandle;
  try {
    file = await open(partial, 'wx');
  } catch (error) {
    await attempt.response.body?.cancel().catch(() => undefined);
    throw error;
  }
  let size = 0;
  try {
    for await (const chunk of chunks(attempt, check)) {
      await file.write(chunk);
      size += chunk.byteLength;
    }
    await file.close();
    await rename(partial, path);
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
  return { path, size };
}

function toWebStream(source: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await source.return(undefined);
    },
  });
}

function consumeInto(
  target: DownloadTarget,
  attempt: StorageAttempt,
  check: DownloadCheck,
): Promise<unknown> {
  if (target === 'buffer') return toBuffer(attempt, check);
  if (target === 'stream') {
    return Promise.resolve(Readable.from(chunks(attempt, check), { objectMode: false }));
  }
  if (target === 'web-stream') return Promise.resolve(toWebStream(chunks(attempt, check)));
  return toFile(attempt, check, target.file);
}

/**
 * GET `url` (unsigned) into `target`, retrying 5xx and network errors; a Buffer or a file is
 * retried as a whole when its body breaks off, a stream only until the storage answers. A retry
 * goes to the URL `urlForRetry` gives, when there is one.
 */
export async function downloadFromStorage<T extends DownloadTarget>(
  ctx: StorageContext,
  url: string,
  target: T,
  check: DownloadCheck,
  urlForRetry?: () => Promise<string>,
): Promise<Download<DownloadBody<T>>> {
  return storageRequest(ctx, { method: 'GET', url, urlForRetry }, async (attempt) => ({
    contentType: attempt.response.headers.get('content-type') ?? undefined,
    // The target decides the body's type; DownloadBody<T> names that same choice.
    body: (await consumeInto(target, attempt, check)) as DownloadBody<T>,
  }));
}
