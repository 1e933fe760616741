/**
 * Downloading an object of the object service: `startDownload` with the `getUrl` method (the one
 * that announces hashes), an unsigned GET of the URL it returns, and verification of the data
 * against the announced sha256/sha512 hashes and length.
 */
import { checkSignal } from './abort.js';
import type { ContentHashAlgorithm } from './content-digest.js';
import { CONTENT_HASH_ALGORITHMS } from './content-digest.js';
import { UnexpectedResponseError } from './errors.js';
import type {
  DownloadMethodGeturlResponse,
  HashesDownload,
  ObjectService,
} from './generated/object.js';
import {
  type Download,
  type DownloadBody,
  type DownloadTarget,
  downloadFromStorage,
} from './storage-download.js';
import { storageContext } from './storage-request.js';

/** Options of {@link downloadObject}. */
export interface DownloadObjectOptions<T extends DownloadTarget> {
  /** The object's name. */
  name: string;
  /** Where the data goes. */
  to: T;
  /**
   * Aborts the download (with the client's `signal`): its REST calls, the storage request and
   * the reading of its body; it then fails with a `TaskclusterAbortError`.
   */
  signal?: AbortSignal | undefined;
}

function announcedHashes(hashes: HashesDownload): Partial<Record<ContentHashAlgorithm, string>> {
  const known: Partial<Record<ContentHashAlgorithm, string>> = {};
  for (const algorithm of CONTENT_HASH_ALGORITHMS) {
    const digest = hashes[algorithm];
    if (typeof digest === 'string') known[algorithm] = digest;
  }
  return known;
}

/**
 * Download an object's data with a client of the object service whose credentials hold
 * `object:download:<name>`. The data is verified against the hashes and length the service
 * announced; a mismatch (or no hash to check) is a final `ArtifactIntegrityError`, and no
 * partial file is left. 5xx and network errors of the storage GET are retried, 4xx are final;
 * a retry after the URL's `expires` first asks `startDownload` for a fresh one, as the object
 * service documents.
 */
export async function downloadObject<T extends DownloadTarget>(
  objects: ObjectService,
  options: DownloadObjectOptions<T>,
): Promise<Download<DownloadBody<T>>> {
  const { name, to } = options;
  const signal = checkSignal('signal', options.signal);
  let started = await startGetUrlDownload(objects, name, signal);
  const urlForRetry = async (): Promise<string> => {
    // Only a retry asks again, never the first attempt: a clock ahead of the service's costs at
    // most one startDownload per retry.
    if (Date.now() >= Date.parse(started.expires)) {
      started = await startGetUrlDownload(objects, name, signal);
    }
    return started.url;
  };
  return downloadFromStorage(
    storageContext(objects.options, signal),
    started.url,
    to,
    { what: `object ${name}`, hashes: announcedHashes(started.hashes) },
    urlForRetry,
  );
}

async function startGetUrlDownload(
  objects: ObjectService,
  name: string,
  signal: AbortSignal | undefined,
): Promise<DownloadMethodGeturlResponse> {
  const started = await objects.startDownload(
    name,
    { acceptDownloadMethods: { getUrl: true } },
    { signal },
  );
  if (started.method !== 'getUrl') {
    throw new UnexpectedResponseError(
      'UnexpectedDownloadMethod',
      `the object service chose download method ${String(started.method)} for object ${name}, which was not offered`,
    );
  }
  return started;
}
