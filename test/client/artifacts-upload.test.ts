import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadArtifact, uploadArtifact } from '../../src/client/artifacts.js';
import { TaskclusterHttpError } from '../../src/client/errors.js';
import { Queue } from '../../src/client/generated/queue.js';
import { InputError } from '../../src/errors.js';
import { artifactObjectName } from '../../src/testing/queue-artifacts.js';
import { routeKey } from '../../src/testing/routes.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { STORAGE_PATH } from '../../src/testing/storage.js';

const WORKER = { clientId: 'worker', accessToken: 'worker-secret-access-token-0123456789' };
const STORAGE_PUT = routeKey('PUT', `${STORAGE_PATH}/<key>`);
const DAY_MS = 24 * 60 * 60 * 1000;

let server: TaskclusterServer;
let queue: Queue;
let taskId: string;

beforeAll(async () => {
  server = await startTaskclusterServer({
    clients: {
      worker: {
        accessToken: WORKER.accessToken,
        scopes: ['queue:create-artifact:*', 'queue:get-artifact:*'],
      },
    },
  });
  queue = new Queue({ rootUrl: server.rootUrl, credentials: WORKER, maxRetries: 3 });
  taskId = server.queue.defineTask().taskId;
  server.queue.claimTask(taskId);
});

afterAll(() => server.close());

const expires = () => new Date(Date.now() + DAY_MS);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('uploadArtifact round trips through the queue, the object service and storage', () => {
  const cases = [
    { label: 'a Buffer', data: randomBytes(200 * 1024) as Uint8Array | string },
    { label: 'a string (UTF-8)', data: 'héllo wörld\n'.repeat(100) },
    { label: 'an empty Uint8Array', data: new Uint8Array(0) },
  ].map((c, i) => ({
    ...c,
    name: `public/upload-${i}.bin`,
    expected: typeof c.data === 'string' ? Buffer.from(c.data, 'utf8') : Buffer.from(c.data),
  }));

  it.each(cases)('$label', async ({ name, data, expected }) => {
    const before = server.requests.length;
    const uploaded = await uploadArtifact(queue, {
      taskId,
      runId: 0,
      name,
      data,
      contentType: 'application/x-test',
      expires: expires(),
    });
    expect(uploaded.name).toBe(name);
    expect(uploaded.object.size).toBe(expected.length);
    expect(uploaded.object.hashes.sha256).toBe(sha256(expected));

    const objectName = artifactObjectName(
      { taskId, runId: 0, projectId: server.queue.task(taskId).projectId },
      name,
    );
    expect(server.objects.get(objectName)).toMatchObject({
      finished: true,
      contentType: 'application/x-test',
      hashes: uploaded.object.hashes,
    });
    const sent = server.requests.slice(before).map((r) => `${r.route} ${r.auth}`);
    expect(sent).toEqual([
      'POST /api/queue/v1/task/<taskId>/runs/<runId>/artifacts/<name> hawk',
      'PUT /api/object/v1/upload/<name> hawk',
      `PUT ${STORAGE_PATH}/<key> none`,
      'POST /api/object/v1/finish-upload/<name> hawk',
      'PUT /api/queue/v1/task/<taskId>/runs/<runId>/artifacts/<name> hawk',
    ]);
    const createUpload = server.requests[before + 1]!;
    expect(createUpload.clientId).not.toBe(WORKER.clientId);
    expect(createUpload.body).toMatchObject({
      hashes: uploaded.object.hashes,
      proposedUploadMethods: {
        putUrl: { contentType: 'application/x-test', contentLength: expected.length },
      },
    });

    const download = await downloadArtifact(queue, { taskId, name, to: 'buffer' });
    expect(download.storageType).toBe('object');
    expect(download.contentType).toBe('application/x-test');
    expect(download.body.equals(expected)).toBe(true);
  });

  it('a 500 from storage on the PUT is retried', async () => {
    const attempts = server.attempts(STORAGE_PUT);
    server.injectFaults(STORAGE_PUT, { type: 'status', status: 500 });
    const data = randomBytes(1024);
    await uploadArtifact(queue, {
      taskId,
      runId: 0,
      name: 'public/retried.bin',
      data,
      expires: expires().toISOString(),
    });
    expect(server.attempts(STORAGE_PUT)).toBe(attempts + 2);
    const download = await downloadArtifact(queue, {
      taskId,
      runId: 0,
      name: 'public/retried.bin',
      to: 'buffer',
    });
    expect(download.body.equals(data)).toBe(true);
    expect(download.contentType).toBe('application/octet-stream');
  });

  it('an upload to a run that is not running fails with the queue error, credentials unquoted', async () => {
    const other = server.queue.defineTask().taskId;
    const error = await uploadArtifact(queue, {
      taskId: other,
      runId: 0,
      name: 'public/x.bin',
      data: 'x',
      expires: expires(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect((error as TaskclusterHttpError).statusCode).toBeGreaterThanOrEqual(400);
    expect((error as TaskclusterHttpError).statusCode).toBeLessThan(500);
    expect(JSON.stringify(error) + (error as Error).message).not.toContain(WORKER.accessToken);
  });

  it('a file is streamed from disk, again for a retried PUT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tc-pulse-upload-'));
    try {
      const data = randomBytes(500 * 1024);
      const path = join(dir, 'upload.bin');
      await writeFile(path, data);
      const attempts = server.attempts(STORAGE_PUT);
      server.injectFaults(STORAGE_PUT, { type: 'status', status: 503 });
      const uploaded = await uploadArtifact(queue, {
        taskId,
        runId: 0,
        name: 'public/from-file.bin',
        data: { file: path },
        expires: expires(),
      });
      expect(uploaded.object).toMatchObject({
        size: data.length,
        hashes: { sha256: sha256(data) },
      });
      expect(server.attempts(STORAGE_PUT)).toBe(attempts + 2);
      const target = join(dir, 'download.bin');
      const download = await downloadArtifact(queue, {
        taskId,
        name: 'public/from-file.bin',
        to: { file: target },
      });
      expect(download.body).toEqual({ path: target, size: data.length });
      expect((await readFile(target)).equals(data)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    { label: 'a number', data: 42 },
    { label: 'a file without path', data: { file: '' } },
    { label: 'null', data: null },
  ])('bad data ($label) is refused before anything is sent', async ({ data }) => {
    const before = server.requests.length;
    const error = await uploadArtifact(queue, {
      taskId,
      runId: 0,
      name: 'public/bad.bin',
      data: data as unknown as string,
      expires: expires(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(server.requests.length).toBe(before);
  });
});
