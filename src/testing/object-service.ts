/**
 * The simulated object service: uploads (`createUpload`, PUT to storage, `finishUpload`) and
 * downloads (`startDownload` with the `simple` and `getUrl` methods, `download`), with the
 * sha256/sha512 hashes it announces, and a way to serve content that differs from them.
 */
import { createHash } from 'node:crypto';
import {
  type CreateUploadRequest,
  type CreateUploadResponse,
  type DownloadObjectRequest,
  type FinishUploadRequest,
  type HashesUpload,
  objectServiceTable,
} from '../client/generated/object.js';
import { notFound, requestConflict, SimulatedApiError } from './api-error.js';
import { registerApiMethods } from './api-methods.js';
import type { ApiServer } from './api-server.js';
import { invalidInput, isoDate } from './payload-checks.js';
import type { SimulatedStorage } from './storage.js';

/** How long upload and download URLs stay valid: 1 hour. */
export const OBJECT_URL_LIFETIME_MS = 60 * 60 * 1000;
/** The default expiry of objects added by tests: 1 year. */
const DEFAULT_OBJECT_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;

/** The hashes the object service announces. */
export interface ObjectHashes {
  sha256: string;
  sha512: string;
}

/** An object of the simulated object service. */
export interface SimulatedObject {
  name: string;
  projectId: string;
  uploadId: string | undefined;
  expires: string;
  contentType: string;
  /** Hashes given at upload, then those of the data once finished. */
  hashes: Partial<ObjectHashes>;
  finished: boolean;
}

/** Options of {@link SimulatedObjectService.addObject}. */
export interface AddObjectOptions {
  projectId?: string;
  contentType?: string;
  expires?: string;
}

/** The sha256 and sha512 of some data, in hex. */
export function objectHashes(content: Buffer): ObjectHashes {
  return {
    sha256: createHash('sha256').update(content).digest('hex'),
    sha512: createHash('sha512').update(content).digest('hex'),
  };
}

/** The objects, their uploads and their routes. */
export class SimulatedObjectService {
  readonly #objects = new Map<string, SimulatedObject>();
  readonly #storage: SimulatedStorage;
  readonly #now: () => number;

  constructor(storage: SimulatedStorage, now: () => number) {
    this.#storage = storage;
    this.#now = now;
  }

  /** Adds a finished object with its content. */
  addObject(name: string, content: Buffer, options: AddObjectOptions = {}): SimulatedObject {
    const object: SimulatedObject = {
      name,
      projectId: options.projectId ?? 'none',
      uploadId: undefined,
      expires: options.expires ?? new Date(this.#now() + DEFAULT_OBJECT_LIFETIME_MS).toISOString(),
      contentType: options.contentType ?? 'application/octet-stream',
      hashes: objectHashes(content),
      finished: true,
    };
    this.#objects.set(name, object);
    this.#storage.put(storageKey(name), content, object.contentType);
    return object;
  }

  /** An object by name. */
  get(name: string): SimulatedObject | undefined {
    return this.#objects.get(name);
  }

  /** The data of an object as stored, if any. */
  content(name: string): Buffer | undefined {
    return this.#storage.get(storageKey(name))?.content;
  }

  /**
   * Serves `content` (by default the stored data with its first byte flipped) for the object
   * while still announcing the hashes of the original data: a hash mismatch for downloaders.
   */
  injectContentMismatch(name: string, content?: Buffer): void {
    const stored = this.#storage.get(storageKey(name));
    const object = this.#objects.get(name);
    if (!stored || !object) {
      throw new Error(`No object named ${name}`);
    }
    const served = content ?? Buffer.from(stored.content);
    if (content === undefined) {
      served[0] = (served[0] ?? 0) ^ 0xff;
    }
    this.#storage.put(storageKey(name), served, stored.contentType);
  }

  /** The URL of an object's data, as the `simple` download method gives it. */
  simpleUrl(name: string): string {
    return this.#url(name);
  }

  #url(name: string): string {
    return this.#storage.url(storageKey(name));
  }

  #finished(name: string): SimulatedObject {
    const object = this.#objects.get(name);
    if (!object?.finished) {
      throw notFound(`Object \`${name}\` not found`);
    }
    return object;
  }

  /** Registers the object service's methods. */
  register(server: ApiServer): Promise<void> {
    return registerApiMethods(server, objectServiceTable, {
      createUpload: (ctx) => {
        const request = ctx.body as CreateUploadRequest;
        ctx.authorize({ projectId: request.projectId });
        return { json: this.#createUpload(ctx.params.name!, request) };
      },
      finishUpload: (ctx) => {
        const request = ctx.body as FinishUploadRequest;
        ctx.authorize({ projectId: request.projectId });
        this.#finishUpload(ctx.params.name!, request);
        return { json: {} };
      },
      startDownload: (ctx) => {
        const name = ctx.params.name!;
        const accept = (ctx.body as DownloadObjectRequest).acceptDownloadMethods;
        const object = this.#finished(name);
        if (accept.getUrl === true) {
          return {
            json: {
              method: 'getUrl',
              url: this.#url(name),
              expires: new Date(this.#now() + OBJECT_URL_LIFETIME_MS).toISOString(),
              hashes: object.hashes,
            },
          };
        }
        if (accept.simple === true) {
          return { json: { method: 'simple', url: this.#url(name) } };
        }
        throw new SimulatedApiError(406, 'NoMatchingMethod', 'No acceptable download method');
      },
      object: (ctx) => {
        const object = this.#finished(ctx.params.name!);
        return {
          json: { projectId: object.projectId, expires: object.expires, hashes: object.hashes },
        };
      },
      download: (ctx) => {
        const name = ctx.params.name!;
        this.#finished(name);
        return { status: 303, headers: { location: this.#url(name) } };
      },
    });
  }

  #createUpload(name: string, request: CreateUploadRequest): CreateUploadResponse {
    const { projectId, uploadId } = request;
    const expires = isoDate(request.expires);
    const methods = request.proposedUploadMethods;
    const hashes = hashesOf(request.hashes);
    const existing = this.#objects.get(name);
    if (existing && (existing.finished || existing.uploadId !== uploadId)) {
      throw requestConflict(`Object \`${name}\` already exists or is being uploaded`);
    }
    const object: SimulatedObject = {
      name,
      projectId,
      uploadId,
      expires: existing?.expires ?? expires,
      contentType: 'application/octet-stream',
      hashes: { ...existing?.hashes, ...hashes },
      finished: false,
    };
    this.#objects.set(name, object);
    const uploadMethod: CreateUploadResponse['uploadMethod'] = {};
    if (methods.dataInline !== undefined) {
      object.contentType = methods.dataInline.contentType;
      const data = Buffer.from(methods.dataInline.objectData, 'base64');
      this.#storage.put(storageKey(name), data, object.contentType);
      uploadMethod.dataInline = true;
    } else if (methods.putUrl !== undefined) {
      const { contentType, contentLength } = methods.putUrl;
      object.contentType = contentType;
      this.#storage.expectUpload(storageKey(name), object.contentType, contentLength);
      uploadMethod.putUrl = {
        url: this.#url(name),
        expires: new Date(this.#now() + OBJECT_URL_LIFETIME_MS).toISOString(),
        headers: { 'Content-Type': object.contentType, 'Content-Length': String(contentLength) },
      };
    }
    return { projectId, uploadId, expires: object.expires, uploadMethod };
  }

  #finishUpload(name: string, request: FinishUploadRequest): void {
    const { projectId, uploadId } = request;
    const object = this.#objects.get(name);
    if (!object || object.uploadId !== uploadId || object.projectId !== projectId) {
      throw requestConflict(`No upload of \`${name}\` with this uploadId and projectId`);
    }
    const content = this.content(name);
    if (content === undefined) {
      throw invalidInput(`The data of \`${name}\` was not uploaded`);
    }
    const actual = objectHashes(content);
    const claimed = { ...object.hashes, ...hashesOf(request.hashes) };
    for (const algorithm of ['sha256', 'sha512'] as const) {
      if (claimed[algorithm] !== undefined && claimed[algorithm] !== actual[algorithm]) {
        throw invalidInput(`The ${algorithm} hash does not match the uploaded data`);
      }
    }
    object.hashes = actual;
    object.finished = true;
  }
}

/** The sha256 and sha512 an upload names (the schema admits other algorithms too). */
function hashesOf(hashes: HashesUpload | undefined): Partial<ObjectHashes> {
  return {
    ...(hashes?.sha256 === undefined ? {} : { sha256: hashes.sha256 }),
    ...(hashes?.sha512 === undefined ? {} : { sha512: hashes.sha512 }),
  };
}

/** The storage key of an object's data. */
function storageKey(name: string): string {
  return `object/${name}`;
}
