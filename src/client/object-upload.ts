/**
 * Uploading data to the object service: `createUpload` proposing the `putUrl` method with the
 * data's hashes, an unsigned PUT of the data to the URL (and with the headers) it returns, then
 * `finishUpload`.
 */

import { slugId } from '../utils/slugid.js';
import { checkSignal } from './abort.js';
import type { ContentHashes } from './content-digest.js';
import { UnexpectedResponseError } from './errors.js';
import type { ObjectService } from './generated/object.js';
import { storageContext, storageRequest } from './storage-request.js';
import {
  checkUploadData,
  type UploadData,
  type UploadSource,
  uploadSource,
} from './upload-source.js';

/** The content type of uploads that name none. */
export const DEFAULT_UPLOAD_CONTENT_TYPE = 'application/octet-stream';

/** Options of {@link uploadObject}. */
export interface UploadObjectOptions {
  /** The object's name. */
  name: string;
  /** The project the object belongs to (part of the `object:upload:<projectId>:<name>` scope). */
  projectId: string;
  /** When the object expires. */
  expires: Date | string;
  /** The data: bytes, a string (sent as UTF-8), or `{ file: path }` (streamed from disk). */
  data: UploadData;
  /** Defaults to {@link DEFAULT_UPLOAD_CONTENT_TYPE}. */
  contentType?: string;
  /** The upload's secret id; a fresh slugid by default. */
  uploadId?: string;
  /**
   * Aborts the upload (with the client's `signal`): its REST calls and the PUT of the data,
   * which then fail with a `TaskclusterAbortError`.
   */
  signal?: AbortSignal | undefined;
}

/** An uploaded, finished object. */
export interface UploadedObject {
  name: string;
  projectId: string;
  uploadId: string;
  /** Bytes uploaded. */
  size: number;
  /** The hashes announced to (and checked by) the object service. */
  hashes: ContentHashes;
}

/** `expires` as the ISO string the API takes. */
export function isoDate(expires: Date | string): string {
  return expires instanceof Date ? expires.toISOString() : expires;
}

/**
 * Upload `data` as object `name` with a client of the object service whose credentials hold
 * `object:upload:<projectId>:<name>`. The PUT is retried on 5xx and network errors.
 */
export async function uploadObject(
  objects: ObjectService,
  options: UploadObjectOptions,
): Promise<UploadedObject> {
  checkUploadData(options.data);
  checkSignal('signal', options.signal);
  return sendObject(objects, options, await uploadSource(options.data));
}

/** {@link uploadObject} of data whose size and hashes are already known. */
export async function sendObject(
  objects: ObjectService,
  options: Omit<UploadObjectOptions, 'data'>,
  source: UploadSource,
): Promise<UploadedObject> {
  const { name, projectId, signal } = options;
  const contentType = options.contentType ?? DEFAULT_UPLOAD_CONTENT_TYPE;
  const uploadId = options.uploadId ?? slugId();
  const { hashes, size } = source;
  const created = await objects.createUpload(
    name,
    {
      projectId,
      uploadId,
      expires: isoDate(options.expires),
      hashes,
      proposedUploadMethods: { putUrl: { contentType, contentLength: size } },
    },
    { signal },
  );
  const put = created.uploadMethod.putUrl;
  if (put === undefined) {
    throw new UnexpectedResponseError(
      'NoUploadMethod',
      `the object service accepted no proposed upload method for object ${name}`,
    );
  }
  await storageRequest(
    storageContext(objects.options, signal),
    { method: 'PUT', url: put.url, headers: put.headers, body: source.body },
    async ({ response }) => {
      await response.arrayBuffer();
    },
  );
  await objects.finishUpload(name, { projectId, uploadId, hashes }, { signal });
  return { name, projectId, uploadId, size, hashes };
}
