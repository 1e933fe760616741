/**
 * The artifacts of the simulated queue: where each one's data lives (storage for `s3`, the
 * object service for `object`, a URL for `reference`, a reason for `error`), and the answers
 * of the queue's artifact methods for each storage type, in the shapes of its schemas.
 */
import type { FinishArtifactRequest, PostArtifactRequest } from '../client/generated/queue.js';
import { slugId } from '../utils/slugid.js';
import { inputError, notFound, requestConflict } from './api-error.js';
import { type IssuedCredentials, issueTemporaryCredentials } from './certificate.js';
import type { SimulatedObjectService } from './object-service.js';
import { invalidInput, isoDate } from './payload-checks.js';
import type {
  ArtifactContent,
  ArtifactErrorReason,
  ArtifactInfo,
  PostArtifactResult,
} from './queue-types.js';
import type { RouteResponse } from './routes.js';
import type { SimulatedStorage } from './storage.js';

/** How long the object credentials the queue hands out stay valid: 1 hour. */
export const OBJECT_CREDENTIALS_LIFETIME_MS = 60 * 60 * 1000;
/** How long an artifact added without `expires` is kept: 30 days. */
const DEFAULT_ARTIFACT_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

/** An artifact to add to a run directly (the simulation's driving methods). */
export type ArtifactInput =
  | {
      storageType: 's3' | 'object';
      name: string;
      content: Buffer | string;
      contentType?: string;
      expires?: string;
    }
  | { storageType: 'reference'; name: string; url: string; contentType?: string; expires?: string }
  | {
      storageType: 'error';
      name: string;
      reason: ArtifactErrorReason;
      message: string;
      expires?: string;
    };

/** Where an artifact's data is. */
type ArtifactLocation =
  | { type: 's3'; key: string }
  | { type: 'object'; objectName: string; uploadId: string | undefined }
  | { type: 'reference'; url: string }
  | { type: 'error'; reason: string; message: string };

/** An artifact of a run. */
export interface StoredArtifact {
  info: ArtifactInfo;
  location: ArtifactLocation;
  /** Whether the data is in place (object artifacts are not until `finishArtifact`). */
  present: boolean;
}

/** The run an artifact belongs to. */
export interface ArtifactRunRef {
  taskId: string;
  runId: number;
  projectId: string;
}

/** A 404 for an artifact that does not exist (or is not present yet). */
export function artifactNotFound(name: string) {
  return notFound(`Artifact \`${name}\` not found`);
}

/** The object name the queue uses for an artifact's data. */
export function artifactObjectName(run: ArtifactRunRef, name: string): string {
  return `t/${run.taskId}/${run.runId}/${name}`;
}

/** Artifact data placement and the answers of the artifact methods. */
export class QueueArtifacts {
  readonly #storage: SimulatedStorage;
  readonly #objects: SimulatedObjectService;
  readonly #now: () => number;
  readonly #issuer: { clientId: string; accessToken: string };

  /** @param issuer the queue's own client, which issues object credentials. */
  constructor(
    storage: SimulatedStorage,
    objects: SimulatedObjectService,
    now: () => number,
    issuer: { clientId: string; accessToken: string },
  ) {
    this.#storage = storage;
    this.#objects = objects;
    this.#now = now;
    this.#issuer = issuer;
  }

  #defaultExpires(): string {
    return new Date(this.#now() + DEFAULT_ARTIFACT_LIFETIME_MS).toISOString();
  }

  #credentials(scope: string): IssuedCredentials {
    const now = this.#now();
    return issueTemporaryCredentials(
      this.#issuer,
      [scope],
      now,
      now + OBJECT_CREDENTIALS_LIFETIME_MS,
    );
  }

  /** Stores an artifact's data and returns the present artifact. */
  add(run: ArtifactRunRef, input: ArtifactInput): StoredArtifact {
    const expires = input.expires ?? this.#defaultExpires();
    switch (input.storageType) {
      case 's3':
      case 'object': {
        const content = Buffer.from(input.content);
        const contentType = input.contentType ?? 'application/octet-stream';
        const info = {
          storageType: input.storageType,
          name: input.name,
          expires,
          contentType,
          contentLength: content.length,
        };
        if (input.storageType === 's3') {
          const key = `s3/${run.taskId}/${run.runId}/${input.name}`;
          this.#storage.put(key, content, contentType);
          return { info, location: { type: 's3', key }, present: true };
        }
        const objectName = artifactObjectName(run, input.name);
        this.#objects.addObject(objectName, content, {
          projectId: run.projectId,
          contentType,
          expires,
        });
        return {
          info,
          location: { type: 'object', objectName, uploadId: undefined },
          present: true,
        };
      }
      case 'reference':
        return {
          info: {
            storageType: 'reference',
            name: input.name,
            expires,
            contentType: input.contentType ?? 'application/octet-stream',
          },
          location: { type: 'reference', url: input.url },
          present: true,
        };
      case 'error':
        return {
          info: {
            storageType: 'error',
            name: input.name,
            expires,
            contentType: 'application/json',
          },
          location: { type: 'error', reason: input.reason, message: input.message },
          present: true,
        };
    }
  }

  /**
   * `createArtifact`: the artifact (not yet present for `object`) and the answer
   * (`post-artifact-response.json`).
   */
  create(
    run: ArtifactRunRef,
    name: string,
    request: PostArtifactRequest,
    existing: StoredArtifact | undefined,
  ): { artifact: StoredArtifact; response: PostArtifactResult } {
    const expires = isoDate(request.expires);
    if (existing && existing.info.storageType !== request.storageType) {
      throw requestConflict(`Artifact \`${name}\` already exists with another storage type`);
    }
    switch (request.storageType) {
      case 's3': {
        const { storageType, contentType } = request;
        const key = `s3/${run.taskId}/${run.runId}/${name}`;
        const contentLength = request.contentLength ?? 0;
        this.#storage.expectUpload(key, contentType, contentLength);
        return {
          artifact: {
            info: { storageType, name, expires, contentType, contentLength },
            location: { type: 's3', key },
            present: true,
          },
          response: { storageType, putUrl: this.#storage.url(key), expires, contentType },
        };
      }
      case 'object': {
        const { storageType, contentType } = request;
        const objectName = artifactObjectName(run, name);
        const uploadId =
          existing?.location.type === 'object' && existing.location.uploadId
            ? existing.location.uploadId
            : slugId();
        const info: ArtifactInfo = { storageType, name, expires, contentType };
        if (request.contentLength !== undefined) {
          info.contentLength = request.contentLength;
        }
        return {
          artifact: { info, location: { type: 'object', objectName, uploadId }, present: false },
          response: {
            storageType,
            name: objectName,
            projectId: run.projectId,
            uploadId,
            expires,
            credentials: this.#credentials(`object:upload:${run.projectId}:${objectName}`),
          },
        };
      }
      case 'reference':
        return {
          artifact: {
            info: { storageType: 'reference', name, expires, contentType: request.contentType },
            location: { type: 'reference', url: request.url },
            present: true,
          },
          response: { storageType: 'reference' },
        };
      case 'error':
        return {
          artifact: {
            info: { storageType: 'error', name, expires, contentType: 'application/json' },
            location: { type: 'error', reason: request.reason, message: request.message },
            present: true,
          },
          response: { storageType: 'error' },
        };
      case 'link':
        throw invalidInput('The simulated queue does not create link artifacts');
    }
  }

  /** `finishArtifact`: checks the upload and marks an object artifact present. */
  finish(artifact: StoredArtifact, { uploadId }: FinishArtifactRequest): void {
    if (artifact.location.type !== 'object') {
      throw inputError(`Artifacts of storage type ${artifact.info.storageType} cannot be finished`);
    }
    if (artifact.location.uploadId !== uploadId) {
      throw requestConflict('uploadId does not match the artifact');
    }
    const object = this.#objects.get(artifact.location.objectName);
    if (!object?.finished) {
      throw requestConflict('The object upload is not finished');
    }
    if (object.hashes.sha256 === undefined) {
      throw requestConflict('The object has no hashes');
    }
    artifact.present = true;
  }

  /** The URL data is downloaded from, for every location but an error. */
  #downloadUrl(location: Exclude<ArtifactLocation, { type: 'error' }>): string {
    switch (location.type) {
      case 's3':
        return this.#storage.url(location.key);
      case 'object':
        return this.#objects.simpleUrl(location.objectName);
      case 'reference':
        return location.url;
    }
  }

  /**
   * `getArtifact`/`getLatestArtifact`: a 303 to the data with `{storageType, url}`, or for an
   * error artifact a 424 with `{reason, message}`.
   */
  download(artifact: StoredArtifact): RouteResponse {
    const { storageType } = artifact.info;
    const headers = { 'x-taskcluster-artifact-storage-type': storageType };
    const location = artifact.location;
    if (location.type === 'error') {
      return { status: 424, json: { reason: location.reason, message: location.message }, headers };
    }
    const url = this.#downloadUrl(location);
    return { status: 303, json: { storageType, url }, headers: { ...headers, location: url } };
  }

  /** `artifact`/`latestArtifact` (`artifact-content-response.json`). */
  content(artifact: StoredArtifact): ArtifactContent {
    const location = artifact.location;
    switch (location.type) {
      case 'object':
        return {
          storageType: 'object',
          name: location.objectName,
          credentials: this.#credentials(`object:download:${location.objectName}`),
        };
      case 'error':
        return { storageType: 'error', reason: location.reason, message: location.message };
      case 's3':
      case 'reference':
        return { storageType: location.type, url: this.#downloadUrl(location) };
    }
  }
}
