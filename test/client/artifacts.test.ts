import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { ArtifactError, ArtifactIntegrityError } from '../../src/client/artifact-errors.js';
import { downloadArtifact } from '../../src/client/artifacts.js';
import {
  TaskclusterConnectionError,
  TaskclusterHttpError,
  UnexpectedResponseError,
} from '../../src/client/errors.js';
import { Queue } from '../../src/client/generated/queue.js';
import type { DownloadedFile, DownloadTarget } from '../../src/client/storage-download.js';
import { InputError, TaskclusterPulseError } from '../../src/errors.js';
import { artifactObjectName } from '../../src/testing/queue-artifacts.js';
import { routeKey } from '../../src/testing/routes.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { STORAGE_PATH } from '../../src/testing/storage.js';

const READER = { clientId: 'reader', accessToken: 'reader-secret-access-token-0123456789' };
/** Large enough to arrive in several chunks. */
const CONTENT = randomBytes(300 * 1024);
const STORAGE_GET = routeKey('GET', `${STORAGE_PATH}/<key>`);
const TARGETS = ['buffer', 'stream', 'web-stream', 'file'] as const;
type TargetName = (typeof TARGETS)[number];

let server: TaskclusterServer;
let queue: Queue;
let taskId: string;
let dir: string;
let fileCount = 0;

/** A fresh file path for a download. */
function newPath(): string {
  fileCount += 1;
  return join(dir, `download-${fileCount}.bin`);
}

/** Partial files left in the download folder (there must never be any once a download ended). */
async function partialFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((file) => file.endsWith('.part'));
}

function target(name: TargetName): DownloadTarget {
  return name === 'file' ? { file: newPath() } : name;
}

async function readNodeStream(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

async function readWebStream(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  while (true) {
    const next = await reader.read();
    if (next.done) return Buffer.concat(parts);
    parts.push(next.value);
  }
}

/** The bytes a download delivered, whatever its target. */
async function bytesOf(body: unknown): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof ReadableStream) return readWebStream(body as ReadableStream<Uint8Array>);
  if (typeof body === 'object' && body !== null && 'path' in body) {
    const file = body as { path: string; size: number };
    const data = await readFile(file.path);
    expect(data.length).toBe(file.size);
    return data;
  }
  return readNodeStream(body as Readable);
}

/** Downloads and reads in full, so that stream targets report their errors too. */
async function download(name: string, to: DownloadTarget, client: Queue = queue) {
  const result = await downloadArtifact(client, { taskId, name, to });
  return { ...result, bytes: await bytesOf(result.body) };
}

function newQueue(maxRetries: number): Queue {
  return new Queue({ rootUrl: server.rootUrl, credentials: READER, maxRetries });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tc-pulse-artifacts-'));
  server = await startTaskclusterServer({
    clients: { reader: { accessToken: READER.accessToken, scopes: ['queue:get-artifact:*'] } },
  });
  queue = newQueue(3);
  taskId = server.queue.defineTask().taskId;
  server.queue.claimTask(taskId);
  server.storage.put('elsewhere/ref.bin', CONTENT, 'application/x-ref');
  const add = server.queue.addArtifact.bind(server.queue, taskId);
  add({ storageType: 's3', name: 'public/s3.bin', content: CONTENT, contentType: 'app/s3' });
  add({ storageType: 'object', name: 'public/object.bin', content: CONTENT, contentType: 'app/o' });
  add({
    storageType: 'reference',
    name: 'public/ref.bin',
    url: server.storage.url('elsewhere/ref.bin'),
  });
  add({
    storageType: 'reference',
    name: 'public/gone.bin',
    url: `${server.storage.url('elsewhere/gone.bin')}?X-Amz-Signature=presigned-secret`,
  });
  add({
    storageType: 'error',
    name: 'public/missing.log',
    reason: 'file-missing-on-worker',
    message: 'the worker found no file at /builds/missing.log',
  });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('downloadArtifact: every storage type to every target', () => {
  const cases = (
    [
      ['s3', 'public/s3.bin', 'app/s3'],
      ['object', 'public/object.bin', 'app/o'],
      ['reference', 'public/ref.bin', 'application/x-ref'],
    ] as const
  ).flatMap(([storageType, name, contentType]) =>
    TARGETS.map((to) => ({ storageType, name, contentType, to })),
  );

  it.each(cases)('$storageType to $to', async ({ storageType, name, contentType, to }) => {
    const before = server.requests.length;
    const result = await download(name, target(to));
    expect(result.storageType).toBe(storageType);
    expect(result.contentType).toBe(contentType);
    expect(result.bytes.equals(CONTENT)).toBe(true);
    const sent = server.requests.slice(before);
    // The queue (and for objects the object service) are called with Hawk; storage never is.
    expect(sent.filter((r) => r.route !== STORAGE_GET).every((r) => r.auth === 'hawk')).toBe(true);
    expect(sent.filter((r) => r.route === STORAGE_GET).map((r) => r.auth)).toEqual(['none']);
    expect(sent.map((r) => r.status)).not.toContain(401);
  });

  it('an object download starts with startDownload offering getUrl, with the queue credentials', async () => {
    const before = server.requests.length;
    await download('public/object.bin', 'buffer');
    const [content, start] = server.requests.slice(before);
    expect(content?.path).toBe(`/api/queue/v1/task/${taskId}/artifact-content/public%2Fobject.bin`);
    expect(content?.clientId).toBe(READER.clientId);
    expect(start?.path).toMatch(/^\/api\/object\/v1\/start-download\//);
    expect(start?.body).toEqual({ acceptDownloadMethods: { getUrl: true } });
    expect(start?.clientId).not.toBe(READER.clientId);
  });

  it("an injected fetch carries every request of a download: the queue's, the object service's and storage's", async () => {
    const seen: string[] = [];
    const counting: typeof globalThis.fetch = (input, init) => {
      seen.push(new URL(String(input)).pathname);
      return globalThis.fetch(input, init);
    };
    const client = new Queue({ rootUrl: server.rootUrl, credentials: READER, fetch: counting });
    const before = server.requests.length;
    const result = await download('public/object.bin', 'buffer', client);
    expect(result.bytes.equals(CONTENT)).toBe(true);
    expect(seen).toEqual(server.requests.slice(before).map((r) => r.path));
    expect(seen).toHaveLength(3);
  });

  it('a given run is asked for by its id', async () => {
    const before = server.requests.length;
    const result = await downloadArtifact(queue, {
      taskId,
      runId: 0,
      name: 'public/s3.bin',
      to: 'buffer',
    });
    expect(result.body.equals(CONTENT)).toBe(true);
    expect(server.requests[before]?.path).toBe(
      `/api/queue/v1/task/${taskId}/runs/0/artifact-content/public%2Fs3.bin`,
    );
    const error = await downloadArtifact(queue, {
      taskId,
      runId: 7,
      name: 'public/s3.bin',
      to: 'buffer',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect(error).toMatchObject({ statusCode: 404 });
  });
});

describe('latest run and given runs', () => {
  it('the latest run by default, any run by its id', async () => {
    const retried = server.queue.defineTask().taskId;
    server.queue.claimTask(retried);
    const add = (content: string) =>
      server.queue.addArtifact(retried, { storageType: 's3', name: 'public/run.txt', content });
    add('first run');
    server.queue.resolveTask(retried, { type: 'exception', reason: 'worker-shutdown' });
    server.queue.claimTask(retried);
    add('second run');
    const text = async (runId?: number) => {
      const options = { taskId: retried, name: 'public/run.txt', to: 'buffer' as const };
      const result = await downloadArtifact(
        queue,
        runId === undefined ? options : { ...options, runId },
      );
      return result.body.toString('utf8');
    };
    expect(await text()).toBe('second run');
    expect(await text(1)).toBe('second run');
    expect(await text(0)).toBe('first run');
  });
});

describe('error artifacts', () => {
  it.each(TARGETS)('to %s: a typed ArtifactError with the reason and message', async (to) => {
    const where = target(to);
    const error = await downloadArtifact(queue, {
      taskId,
      name: 'public/missing.log',
      to: where,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactError);
    expect(error).toBeInstanceOf(TaskclusterPulseError);
    expect(error).toMatchObject({
      name: 'ArtifactError',
      code: 'file-missing-on-worker',
      reason: 'file-missing-on-worker',
      taskId,
      runId: undefined,
      artifact: 'public/missing.log',
    });
    expect((error as Error).message).toContain('the worker found no file at /builds/missing.log');
    expect((error as Error).message).not.toContain(READER.accessToken);
    if (typeof where === 'object') expect(existsSync(where.file)).toBe(false);
  });
});

describe('integrity of object downloads', () => {
  const cases = TARGETS.flatMap((to) => [
    { to, content: undefined, label: 'one flipped byte' },
    { to, content: Buffer.from('other data of another length'), label: 'other data' },
  ]);

  it.each(cases)('$label to $to: HashMismatch, final, no file left', async ({ to, content }) => {
    const name = `public/corrupt-${fileCount}-${to}.bin`;
    server.queue.addArtifact(taskId, { storageType: 'object', name, content: CONTENT });
    server.objects.injectContentMismatch(artifactObjectName(objectRun(), name), content);
    const where = target(to);
    const attempts = server.attempts(STORAGE_GET);
    const error = await download(name, where).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactIntegrityError);
    expect(error).toMatchObject({ code: 'HashMismatch', failure: { type: 'hash' } });
    expect(server.attempts(STORAGE_GET)).toBe(attempts + 1);
    if (typeof where === 'object') expect(existsSync(where.file)).toBe(false);
    expect(await partialFiles()).toEqual([]);
  });

  it('a file already at the target survives a failed download', async () => {
    const name = 'public/corrupt-over-existing.bin';
    server.queue.addArtifact(taskId, { storageType: 'object', name, content: CONTENT });
    server.objects.injectContentMismatch(artifactObjectName(objectRun(), name));
    const path = newPath();
    await writeFile(path, 'previous content');
    const error = await download(name, { file: path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactIntegrityError);
    expect(await readFile(path, 'utf8')).toBe('previous content');
    expect(await partialFiles()).toEqual([]);
  });

  it('an object without hashes is refused', async () => {
    const name = 'public/unhashed.bin';
    server.queue.addArtifact(taskId, { storageType: 'object', name, content: CONTENT });
    server.objects.get(artifactObjectName(objectRun(), name))!.hashes = {};
    const where = target('file');
    const error = await download(name, where).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactIntegrityError);
    expect(error).toMatchObject({ code: 'MissingHashes' });
    expect(existsSync((where as { file: string }).file)).toBe(false);
  });
});

/** The run of the artifacts added in these tests. */
function objectRun() {
  return { taskId, runId: 0, projectId: server.queue.task(taskId).projectId };
}

describe('retries of the storage GET', () => {
  const transient = [
    { fault: { type: 'status', status: 500 } as const, to: 'buffer' as const },
    { fault: { type: 'status', status: 503 } as const, to: 'file' as const },
    { fault: { type: 'reset' } as const, to: 'buffer' as const },
    { fault: { type: 'reset' } as const, to: 'stream' as const },
    { fault: { type: 'truncate' } as const, to: 'buffer' as const },
    { fault: { type: 'truncate' } as const, to: 'file' as const },
  ];

  it.each(transient)('$fault.type ($fault.status) then success, to $to', async ({ fault, to }) => {
    for (const name of ['public/s3.bin', 'public/object.bin']) {
      const attempts = server.attempts(STORAGE_GET);
      server.injectFaults(STORAGE_GET, fault);
      const result = await download(name, target(to));
      expect(result.bytes.equals(CONTENT)).toBe(true);
      expect(server.attempts(STORAGE_GET)).toBe(attempts + 2);
    }
    expect(await partialFiles()).toEqual([]);
  });

  /**
   * A queue client whose fetch passes every request to the server, and answers startDownload
   * with the server's answer, `expires` set `expiresInMs` from now.
   */
  function queueWithUrlsExpiring(expiresInMs: number): Queue {
    const expiring: typeof globalThis.fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      if (!new URL(String(input)).pathname.includes('/start-download/')) return response;
      const answer = (await response.json()) as Record<string, unknown>;
      const expires = new Date(Date.now() + expiresInMs).toISOString();
      return new Response(JSON.stringify({ ...answer, expires }), {
        status: response.status,
        headers: { 'content-type': 'application/json' },
      });
    };
    return new Queue({ rootUrl: server.rootUrl, credentials: READER, fetch: expiring });
  }

  const START_DOWNLOAD = routeKey('PUT', '/api/object/v1/start-download/<name>');

  it.each([
    {
      expires: 'has expired: startDownload is asked again first',
      expiresInMs: -1_000,
      routes: [START_DOWNLOAD, STORAGE_GET, START_DOWNLOAD, STORAGE_GET],
    },
    {
      expires: 'is still valid: the same URL is retried',
      expiresInMs: 3_600_000,
      routes: [START_DOWNLOAD, STORAGE_GET, STORAGE_GET],
    },
  ])('a retry when the getUrl $expires', async ({ expiresInMs, routes }) => {
    const before = server.requests.length;
    server.injectFaults(STORAGE_GET, { type: 'status', status: 503 });
    const result = await download(
      'public/object.bin',
      'buffer',
      queueWithUrlsExpiring(expiresInMs),
    );
    expect(result.bytes.equals(CONTENT)).toBe(true);
    // After the queue's artifact request.
    expect(server.requests.slice(before + 1).map((r) => r.route)).toEqual(routes);
  });

  it('a storage 404 is final, and the pre-signed query stays out of the error', async () => {
    const attempts = server.attempts(STORAGE_GET);
    const where = target('file');
    const error = await download('public/gone.bin', where).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect(error).toMatchObject({ statusCode: 404, method: 'GET' });
    expect(server.attempts(STORAGE_GET)).toBe(attempts + 1);
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).toContain('/storage/elsewhere%2Fgone.bin');
    expect(text).not.toContain('presigned-secret');
    expect(existsSync((where as { file: string }).file)).toBe(false);
  });

  it('5xx until the retries run out: the last status, after maxRetries + 1 attempts', async () => {
    const attempts = server.attempts(STORAGE_GET);
    const fault = { type: 'status', status: 502 } as const;
    server.injectFaults(STORAGE_GET, fault, fault);
    const error = await download('public/s3.bin', 'buffer', newQueue(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect(error).toMatchObject({ statusCode: 502 });
    expect(server.attempts(STORAGE_GET)).toBe(attempts + 2);
  });

  it('network errors until the retries run out: a TaskclusterConnectionError', async () => {
    const attempts = server.attempts(STORAGE_GET);
    server.injectFaults(STORAGE_GET, { type: 'reset' }, { type: 'reset' });
    const error = await download('public/s3.bin', 'buffer', newQueue(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterConnectionError);
    expect(error).toMatchObject({ attempts: 2, failure: { type: 'network' } });
    expect(server.attempts(STORAGE_GET)).toBe(attempts + 2);
  });
});

describe('timeouts and logs of the storage GET', () => {
  it('an answer slower than the timeout is abandoned and retried', async () => {
    const attempts = server.attempts(STORAGE_GET);
    server.injectFaults(STORAGE_GET, { type: 'delay', ms: 2_000 });
    const impatient = new Queue({
      rootUrl: server.rootUrl,
      credentials: READER,
      maxRetries: 2,
      timeout: 300,
    });
    const result = await download('public/s3.bin', 'buffer', impatient);
    expect(result.bytes.equals(CONTENT)).toBe(true);
    expect(server.attempts(STORAGE_GET)).toBe(attempts + 2);
  });

  it('storage attempts are logged without the URL query', async () => {
    const records: Record<string, unknown>[] = [];
    const record = (obj: object) => records.push(obj as Record<string, unknown>);
    const logged = new Queue({
      rootUrl: server.rootUrl,
      credentials: READER,
      maxRetries: 0,
      logger: { debug: record, info: record, warn: record, error: record },
    });
    await download('public/gone.bin', 'buffer', logged).catch(() => undefined);
    const storage = records.filter((r) => String(r.url).includes(STORAGE_PATH));
    expect(storage).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: server.storage.url('elsewhere/gone.bin'),
        status: 404,
        attempt: 1,
      }),
    ]);
    expect(JSON.stringify(records)).not.toContain('presigned-secret');
    expect(JSON.stringify(records)).not.toContain(READER.accessToken);
  });
});

describe('types of a download follow its target', () => {
  it('Buffer, Readable, ReadableStream or DownloadedFile', async () => {
    const buffer = await downloadArtifact(queue, { taskId, name: 'public/s3.bin', to: 'buffer' });
    expectTypeOf(buffer.body).toEqualTypeOf<Buffer>();
    const stream = await downloadArtifact(queue, { taskId, name: 'public/s3.bin', to: 'stream' });
    expectTypeOf(stream.body).toEqualTypeOf<Readable>();
    stream.body.destroy();
    const web = await downloadArtifact(queue, { taskId, name: 'public/s3.bin', to: 'web-stream' });
    expectTypeOf(web.body).toEqualTypeOf<ReadableStream<Uint8Array>>();
    await web.body.cancel();
    const file = await downloadArtifact(queue, {
      taskId,
      name: 'public/s3.bin',
      to: { file: newPath() },
    });
    expectTypeOf(file.body).toEqualTypeOf<DownloadedFile>();
    expect(file.body.size).toBe(CONTENT.length);
    // @ts-expect-error: a target that does not exist
    await downloadArtifact(queue, { taskId, name: 'a', to: 'memory' }).catch(() => undefined);
  });
});

describe('bad input is refused before anything is sent', () => {
  const cases: { label: string; options: Record<string, unknown> }[] = [
    { label: 'no taskId', options: { name: 'a', to: 'buffer' } },
    { label: 'empty name', options: { taskId: 'x', name: '', to: 'buffer' } },
    { label: 'negative runId', options: { taskId: 'x', runId: -1, name: 'a', to: 'buffer' } },
    { label: 'fractional runId', options: { taskId: 'x', runId: 1.5, name: 'a', to: 'buffer' } },
    { label: 'unknown target', options: { taskId: 'x', name: 'a', to: 'memory' } },
    { label: 'file without path', options: { taskId: 'x', name: 'a', to: { file: '' } } },
  ];

  it.each(cases)('$label', async ({ options }) => {
    const before = server.requests.length;
    const error = await downloadArtifact(
      queue,
      options as unknown as Parameters<typeof downloadArtifact>[1],
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(server.requests.length).toBe(before);
  });
});

describe('answers this client does not expect', () => {
  it('an unknown storage type is an ArtifactError; a download method not offered is refused', async () => {
    const odd = await startTaskclusterServer({
      clients: { reader: { accessToken: READER.accessToken, scopes: ['queue:get-artifact:*'] } },
    });
    try {
      // A newer deployment's storage type, and an object service that ignores what was offered.
      odd.route('queue', 'get', '/task/<taskId>/artifact-content/<name>', (ctx) =>
        ctx.params.name === 'public/future.bin'
          ? { json: { storageType: 'hologram', url: 'http://127.0.0.1:1/' } }
          : {
              json: {
                storageType: 'object',
                name: 'some/object',
                credentials: { clientId: READER.clientId, accessToken: READER.accessToken },
              },
            },
      );
      odd.route('object', 'put', '/start-download/<name>', () => ({
        json: { method: 'simple', url: odd.storage.url('some/object') },
      }));
      const client = new Queue({ rootUrl: odd.rootUrl, credentials: READER });
      const future = await downloadArtifact(client, {
        taskId: 'abc',
        name: 'public/future.bin',
        to: 'buffer',
      }).catch((e: unknown) => e);
      expect(future).toBeInstanceOf(ArtifactError);
      expect(future).toMatchObject({ code: 'unsupported-storage-type' });
      expect((future as Error).message).toContain('hologram');

      const simple = await downloadArtifact(client, {
        taskId: 'abc',
        name: 'public/simple.bin',
        to: 'buffer',
      }).catch((e: unknown) => e);
      expect(simple).toBeInstanceOf(UnexpectedResponseError);
      expect(simple).toMatchObject({ code: 'UnexpectedDownloadMethod' });
      expect(odd.requests.map((r) => r.path)).not.toContain('/storage/some%2Fobject');
    } finally {
      await odd.close();
    }
  });
});
