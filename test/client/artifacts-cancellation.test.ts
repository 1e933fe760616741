import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { downloadArtifact, uploadArtifact } from '../../src/client/artifacts.js';
import { TaskclusterAbortError } from '../../src/client/errors.js';
import { ObjectService } from '../../src/client/generated/object.js';
import { Queue } from '../../src/client/generated/queue.js';
import { downloadObject } from '../../src/client/object-download.js';
import { uploadObject } from '../../src/client/object-upload.js';
import { InputError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { routeKey } from '../../src/testing/routes.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { STORAGE_PATH } from '../../src/testing/storage.js';
import { startTrickleServer, type TrickleServer } from '../support/slow-http.js';

const WORKER = { clientId: 'worker', accessToken: 'worker-secret-access-token-0123456789' };
const STORAGE_GET = routeKey('GET', `${STORAGE_PATH}/<key>`);
const STORAGE_PUT = routeKey('PUT', `${STORAGE_PATH}/<key>`);
const HEAD = randomBytes(16 * 1024);
const DAY_MS = 24 * 60 * 60 * 1000;

let server: TaskclusterServer;
let trickle: TrickleServer;
let taskId: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tc-pulse-cancel-'));
  server = await startTaskclusterServer({
    clients: {
      worker: {
        accessToken: WORKER.accessToken,
        scopes: ['queue:create-artifact:*', 'queue:get-artifact:*'],
      },
    },
  });
  trickle = await startTrickleServer(HEAD, 64 * HEAD.length);
  taskId = server.queue.defineTask().taskId;
  server.queue.claimTask(taskId);
  // Its storage sends the first 16 KiB of 1 MiB, then nothing.
  server.queue.addArtifact(taskId, {
    storageType: 'reference',
    name: 'public/slow.bin',
    url: `${trickle.url}?X-Amz-Signature=presigned-secret`,
  });
  server.queue.addArtifact(taskId, {
    storageType: 'object',
    name: 'public/object.bin',
    content: randomBytes(1024),
  });
});

afterAll(async () => {
  await trickle.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function newQueue(options: { signal?: AbortSignal; logger?: Logger } = {}): Queue {
  return new Queue({
    rootUrl: server.rootUrl,
    credentials: WORKER,
    maxRetries: 3,
    // A retry would come 20 s later: a test that ends sooner saw no retry.
    delayFactor: 10_000,
    randomizationFactor: 0,
    ...options,
  });
}

/** A logger that calls `onStatus` with the status of every response. */
function statusLogger(onStatus: (status: number, url: string) => void): Logger {
  return {
    debug: (record) => {
      const { status, url } = record as { status?: number; url: string };
      if (status !== undefined) onStatus(status, url);
    },
    info() {},
    warn() {},
    error() {},
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function expectStorageAbort(error: unknown, reason: unknown): void {
  expect(error).toBeInstanceOf(TaskclusterAbortError);
  expect(error).toMatchObject({ code: 'RequestAborted', method: 'GET', url: trickle.url });
  expect((error as Error).cause).toBe(reason);
  // The pre-signed query never appears.
  expect((error as Error).message).not.toContain('presigned-secret');
}

describe('downloads honour their signal', () => {
  it.each(['buffer', 'file'] as const)(
    'while the body arrives, to a %s: the connection closes, no partial file',
    async (to) => {
      const controller = new AbortController();
      const target = to === 'file' ? { file: join(dir, 'slow.bin') } : to;
      const download = rejection(
        downloadArtifact(newQueue(), {
          taskId,
          name: 'public/slow.bin',
          to: target,
          signal: controller.signal,
        }),
      );
      const held = await trickle.arrivals.next();
      const reason = new Error('handler timed out');
      controller.abort(reason);
      expectStorageAbort(await download, reason);
      await held.gone;
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it.each(['stream', 'web-stream'] as const)(
    'while a %s handed on is read: it fails with the abort error',
    async (to) => {
      const controller = new AbortController();
      const { body } = await downloadArtifact(newQueue(), {
        taskId,
        name: 'public/slow.bin',
        to,
        signal: controller.signal,
      });
      const held = await trickle.arrivals.next();
      const reason = new Error('shutting down');
      let read: Promise<unknown>;
      if (to === 'stream') {
        const stream = body as Readable;
        const iterator = stream[Symbol.asyncIterator]();
        await iterator.next();
        controller.abort(reason);
        read = (async () => {
          while (!(await iterator.next()).done);
        })();
      } else {
        const reader = (body as ReadableStream<Uint8Array>).getReader();
        await reader.read();
        controller.abort(reason);
        read = (async () => {
          while (!(await reader.read()).done);
        })();
      }
      expectStorageAbort(await rejection(read), reason);
      await held.gone;
    },
  );

  it('through the queue client’s signal option, as the handler context’s clients have it', async () => {
    const controller = new AbortController();
    const download = rejection(
      downloadArtifact(newQueue({ signal: controller.signal }), {
        taskId,
        name: 'public/slow.bin',
        to: 'buffer',
      }),
    );
    const held = await trickle.arrivals.next();
    controller.abort('client');
    expectStorageAbort(await download, 'client');
    await held.gone;
  });

  it('of an object artifact, while waiting to retry the storage GET: no further request', async () => {
    server.injectFaults(STORAGE_GET, { type: 'status', status: 503 });
    const controller = new AbortController();
    const logger = statusLogger((status) => {
      if (status === 503) setImmediate(() => controller.abort('stop'));
    });
    const before = server.requests.length;
    const error = await rejection(
      downloadArtifact(newQueue({ logger }), {
        taskId,
        name: 'public/object.bin',
        to: 'buffer',
        signal: controller.signal,
      }),
    );
    expect(error).toBeInstanceOf(TaskclusterAbortError);
    expect(error).toMatchObject({ method: 'GET', attempts: 1, cause: 'stop' });
    expect(server.requests.slice(before).map((r) => r.route)).toEqual([
      'GET /api/queue/v1/task/<taskId>/artifact-content/<name>',
      'PUT /api/object/v1/start-download/<name>',
      STORAGE_GET,
    ]);
  });

  it('sends nothing once the signal has aborted', async () => {
    const before = server.requests.length;
    const signal = AbortSignal.abort('gone');
    const error = await rejection(
      downloadArtifact(newQueue(), { taskId, name: 'public/object.bin', to: 'buffer', signal }),
    );
    expect(error).toMatchObject({ code: 'RequestAborted', attempts: 0, cause: 'gone' });
    const objects = new ObjectService({ rootUrl: server.rootUrl });
    expect(
      await rejection(downloadObject(objects, { name: 'x', to: 'buffer', signal })),
    ).toBeInstanceOf(TaskclusterAbortError);
    expect(server.requests.length).toBe(before);
  });
});

describe('uploads honour their signal', () => {
  const upload = (queue: Queue, name: string, signal: AbortSignal) =>
    uploadArtifact(queue, {
      taskId,
      runId: 0,
      name,
      data: randomBytes(4096),
      expires: new Date(Date.now() + DAY_MS),
      signal,
    });

  it('during the PUT of the data: nothing is finished', async () => {
    server.injectFaults(STORAGE_PUT, { type: 'delay', ms: 60_000 });
    const controller = new AbortController();
    const before = server.requests.length;
    const putsBefore = server.attempts(STORAGE_PUT);
    const uploading = rejection(upload(newQueue(), 'public/up-1.bin', controller.signal));
    await vi.waitFor(() => expect(server.attempts(STORAGE_PUT)).toBe(putsBefore + 1), {
      timeout: 10_000,
    });
    controller.abort('cancelled');
    expect(await uploading).toMatchObject({ code: 'RequestAborted', method: 'PUT', attempts: 1 });
    expect(server.requests.slice(before).map((r) => r.route)).toEqual([
      'POST /api/queue/v1/task/<taskId>/runs/<runId>/artifacts/<name>',
      'PUT /api/object/v1/upload/<name>',
      STORAGE_PUT,
    ]);
  });

  it('while waiting to retry the PUT: no further request', async () => {
    server.injectFaults(STORAGE_PUT, { type: 'status', status: 500 });
    const controller = new AbortController();
    const logger = statusLogger((status) => {
      if (status === 500) setImmediate(() => controller.abort('cancelled'));
    });
    const before = server.requests.length;
    const error = await rejection(
      upload(newQueue({ logger }), 'public/up-2.bin', controller.signal),
    );
    expect(error).toMatchObject({ code: 'RequestAborted', method: 'PUT', cause: 'cancelled' });
    expect(server.requests.slice(before).map((r) => r.route)).toEqual([
      'POST /api/queue/v1/task/<taskId>/runs/<runId>/artifacts/<name>',
      'PUT /api/object/v1/upload/<name>',
      STORAGE_PUT,
    ]);
  });
});

describe('bad signals', () => {
  it('are InputErrors before anything is sent', async () => {
    const before = server.requests.length;
    const signal = 'stop' as unknown as AbortSignal;
    const objects = new ObjectService({ rootUrl: server.rootUrl });
    const expected = new InputError('signal must be an AbortSignal');
    await expect(
      downloadArtifact(newQueue(), { taskId, name: 'public/x', to: 'buffer', signal }),
    ).rejects.toThrow(expected);
    await expect(
      uploadArtifact(newQueue(), {
        taskId,
        runId: 0,
        name: 'public/x',
        data: 'x',
        expires: new Date(),
        signal,
      }),
    ).rejects.toThrow(expected);
    await expect(downloadObject(objects, { name: 'x', to: 'buffer', signal })).rejects.toThrow(
      expected,
    );
    await expect(
      uploadObject(objects, { name: 'x', projectId: 'p', expires: new Date(), data: 'x', signal }),
    ).rejects.toThrow(expected);
    expect(server.requests.length).toBe(before);
  });
});
