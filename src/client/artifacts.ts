/**
 * Artifacts of tasks, as handlers fetch and workers publish them. A download asks the queue for
 * the artifact's content (`artifact` / `latestArtifact`) and follows its storage type: `s3` and
 * `reference` by an unsigned GET of the URL the queue gives, `object` through the object service
 * with the temporary credentials the queue gives (hashes verified), `error` as an
 * {@link ArtifactError}. An upload creates an `object` artifact, uploads the data to the object
 * service, and finishes the artifact.
 */
import { InputError } from '../errors.js';
import { checkSignal } from './abort.js';
import { ArtifactError, type ArtifactLocation } from './artifact-errors.js';
import { UnexpectedResponseError } from './errors.js';
import { ObjectService } from './generated/object.js';
import type { ArtifactContentResponse, Queue } from './generated/queue.js';
import { downloadObject } from './object-download.js';
import {
  DEFAULT_UPLOAD_CONTENT_TYPE,
  isoDate,
  sendObject,
  type UploadedObject,
} from './object-upload.js';
import type { Credentials } from './options.js';
import type { ResolvedClientOptions } from './resolved-options.js';
import {
  type Download,
  type DownloadBody,
  type DownloadTarget,
  downloadFromStorage,
} from './storage-download.js';
import { storageContext } from './storage-request.js';
import { checkUploadData, type UploadData, uploadSource } from './upload-source.js';

/** The code of an {@link ArtifactError} for a storage type this client does not know. */
export const UNSUPPORTED_STORAGE_TYPE = 'unsupported-storage-type';

/** Options of {@link downloadArtifact}. */
export interface DownloadArtifactOptions<T extends DownloadTarget> {
  taskId: string;
  /** The run; the latest run when omitted. */
  runId?: number;
  /** The artifact's name, e.g. `public/logs/live.log`. */
  name: string;
  /** Where the data goes: `'buffer'`, `'stream'`, `'web-stream'` or `{ file: path }`. */
  to: T;
  /**
   * Aborts the download (with the queue client's `signal`): its REST calls, the storage request
   * and the reading of its body, a stream's too; the download (or the stream) then fails with a
   * `TaskclusterAbortError`, and no partial file is left.
   */
  signal?: AbortSignal | undefined;
}

/** A downloaded artifact. */
export interface ArtifactDownload<Body> extends Download<Body> {
  /** How the artifact was stored. */
  storageType: 's3' | 'object' | 'reference';
}

/** Options of {@link uploadArtifact}. */
export interface UploadArtifactOptions {
  taskId: string;
  runId: number;
  /** The artifact's name, e.g. `public/report.json`. */
  name: string;
  /** The data: bytes, a string (sent as UTF-8), or `{ file: path }` (streamed from disk). */
  data: UploadData;
  /** Defaults to {@link DEFAULT_UPLOAD_CONTENT_TYPE}. */
  contentType?: string;
  /** When the artifact expires (no later than the task). */
  expires: Date | string;
  /**
   * Aborts the upload (with the queue client's `signal`): its REST calls and the PUT of the data,
   * which then fail with a `TaskclusterAbortError`.
   */
  signal?: AbortSignal | undefined;
}

/** An uploaded artifact. */
export interface UploadedArtifact {
  /** The artifact's name. */
  name: string;
  /** The object that holds its data. */
  object: UploadedObject;
}

function checkString(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw new InputError(`${name} must be a non-empty string`);
  }
}

function checkLocation(options: { taskId: unknown; runId?: unknown; name: unknown }): void {
  checkString('taskId', options.taskId);
  checkString('name', options.name);
  const { runId } = options;
  if (runId !== undefined && (typeof runId !== 'number' || !Number.isInteger(runId) || runId < 0)) {
    throw new InputError('runId must be an integer >= 0');
  }
}

function checkTarget(to: unknown): void {
  if (to === 'buffer' || to === 'stream' || to === 'web-stream') return;
  if (typeof to === 'object' && to !== null && 'file' in to) {
    checkString('to.file', to.file);
    return;
  }
  throw new InputError(`to must be 'buffer', 'stream', 'web-stream' or { file: path }`);
}

/**
 * A client of the object service with the queue client's options (retries, timeout, fetch,
 * logger, traceId) and the credentials the queue handed out for this artifact. The queue
 * client's `authorizedScopes` restricted its own credentials, not these, so they are not passed.
 */
function objectServiceFor(options: ResolvedClientOptions, credentials: Credentials): ObjectService {
  const { authorizedScopes: _notForTheseCredentials, ...inherited } = options;
  return new ObjectService({ ...inherited, credentials });
}

function artifactContent(
  queue: Queue,
  location: ArtifactLocation,
  signal: AbortSignal | undefined,
) {
  return location.runId === undefined
    ? queue.latestArtifact(location.taskId, location.name, { signal })
    : queue.artifact(location.taskId, location.runId, location.name, { signal });
}

/**
 * Download an artifact of a task, from a given run or the latest one, whatever its storage type:
 *
 * ```ts
 * const { body } = await downloadArtifact(queue, { taskId, name: 'public/report.json', to: 'buffer' });
 * await downloadArtifact(queue, { taskId, runId: 0, name: 'public/build.zip', to: { file: 'build.zip' } });
 * ```
 *
 * The queue client's credentials need `queue:get-artifact:<name>` (none for public artifacts on
 * most deployments); its retry settings, `timeout`, `fetch` and `logger` apply to every request.
 * Storage requests are never signed. 5xx and network errors are retried; 4xx are final
 * (`TaskclusterHttpError`); an `error` artifact is an {@link ArtifactError}; object data that does
 * not match its announced hashes or length is an `ArtifactIntegrityError`. A file is written as
 * the data arrives (never held in memory) beside the target, and renamed onto it only once
 * complete and verified: a failed download leaves no partial file and keeps what was there.
 */
export async function downloadArtifact<T extends DownloadTarget>(
  queue: Queue,
  options: DownloadArtifactOptions<T>,
): Promise<ArtifactDownload<DownloadBody<T>>> {
  checkLocation(options);
  checkTarget(options.to);
  const signal = checkSignal('signal', options.signal);
  const location: ArtifactLocation = {
    taskId: options.taskId,
    runId: options.runId,
    name: options.name,
  };
  const content: ArtifactContentResponse = await artifactContent(queue, location, signal);
  switch (content.storageType) {
    case 's3':
    case 'reference': {
      const download = await downloadFromStorage(
        storageContext(queue.options, signal),
        content.url,
        options.to,
        { what: `artifact ${location.name}`, hashes: undefined },
      );
      return { storageType: content.storageType, ...download };
    }
    case 'object': {
      const objects = objectServiceFor(queue.options, content.credentials);
      const download = await downloadObject(objects, {
        name: content.name,
        to: options.to,
        signal,
      });
      return { storageType: 'object', ...download };
    }
    case 'error':
      throw new ArtifactError(location, content.reason, content.message);
    default: {
      const unknown: { storageType: unknown } = content;
      throw new ArtifactError(
        location,
        UNSUPPORTED_STORAGE_TYPE,
        `storage type ${String(unknown.storageType)} is not supported by this client`,
      );
    }
  }
}

/**
 * Publish `data` as an `object` artifact of a task's run: `queue.createArtifact`, the upload to
 * the object service with the credentials the queue returns, then `queue.finishArtifact`.
 *
 * ```ts
 * await uploadArtifact(queue, { taskId, runId, name: 'public/report.json', data: json, contentType: 'application/json', expires });
 * ```
 *
 * The queue client's credentials need `queue:create-artifact:<taskId>/<runId>` (a worker's task
 * credentials have it).
 */
export async function uploadArtifact(
  queue: Queue,
  options: UploadArtifactOptions,
): Promise<UploadedArtifact> {
  checkLocation(options);
  checkUploadData(options.data);
  const signal = checkSignal('signal', options.signal);
  const { taskId, runId, name } = options;
  const contentType = options.contentType ?? DEFAULT_UPLOAD_CONTENT_TYPE;
  const source = await uploadSource(options.data);
  const created = await queue.createArtifact(
    taskId,
    runId,
    name,
    {
      storageType: 'object',
      contentType,
      contentLength: source.size,
      expires: isoDate(options.expires),
    },
    { signal },
  );
  if (created.storageType !== 'object') {
    throw new UnexpectedResponseError(
      'UnexpectedResponse',
      `the queue answered createArtifact for ${name} with storage type ${created.storageType}`,
    );
  }
  const objects = objectServiceFor(queue.options, created.credentials);
  const object = await sendObject(
    objects,
    {
      name: created.name,
      projectId: created.projectId,
      uploadId: created.uploadId,
      expires: created.expires,
      contentType,
      signal,
    },
    source,
  );
  await queue.finishArtifact(taskId, runId, name, { uploadId: created.uploadId }, { signal });
  return { name, object };
}
