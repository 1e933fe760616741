import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from '../../src/index.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { send, type TestCredentials } from './hawk-request.js';
import { schemaErrors } from './schemas.js';

const BOT: TestCredentials = { clientId: 'bot', accessToken: 'bot-secret-token' };
const WORKER: TestCredentials = { clientId: 'worker', accessToken: 'worker-secret-token' };
const CONTENT = 'the artifact content\n'.repeat(50);

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('simulated queue, object service and storage: artifacts', () => {
  let server: TaskclusterServer;
  let taskId: string;

  beforeAll(async () => {
    server = await startTaskclusterServer({
      clients: {
        bot: {
          accessToken: BOT.accessToken,
          scopes: ['queue:get-artifact:*', 'queue:list-artifacts:*'],
        },
        worker: { accessToken: WORKER.accessToken, scopes: ['queue:create-artifact:*'] },
      },
    });
    taskId = server.queue.defineTask().taskId;
    server.queue.claimTask(taskId);
    const add = server.queue.addArtifact.bind(server.queue, taskId);
    add({ storageType: 's3', name: 'public/s3.txt', content: CONTENT, contentType: 'text/plain' });
    add({
      storageType: 'object',
      name: 'public/object.txt',
      content: CONTENT,
      contentType: 'text/plain',
    });
    add({ storageType: 'reference', name: 'public/ref', url: 'https://example.com/elsewhere' });
    add({
      storageType: 'error',
      name: 'public/error.log',
      reason: 'file-missing-on-worker',
      message: 'gone',
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const queue = (method: string, path: string, credentials = BOT, payload?: unknown) =>
    send(server.rootUrl, {
      method,
      path: `/api/queue/v1/task/${taskId}${path}`,
      credentials,
      ...(payload === undefined ? {} : { payload }),
    });
  const objectService = (
    method: string,
    path: string,
    credentials: TestCredentials,
    payload: unknown,
  ) => send(server.rootUrl, { method, path: `/api/object/v1${path}`, credentials, payload });

  it('lists artifacts in pages', async () => {
    const first = await queue('GET', '/artifacts?limit=3');
    expect(schemaErrors('queue/v1/list-artifacts-response.json', first.json)).toEqual([]);
    const body = first.json as { artifacts: { name: string }[]; continuationToken: string };
    expect(body.artifacts.map((a) => a.name)).toEqual([
      'public/s3.txt',
      'public/object.txt',
      'public/ref',
    ]);
    const second = await queue(
      'GET',
      `/runs/0/artifacts?limit=3&continuationToken=${body.continuationToken}`,
    );
    expect(second.json).toEqual({
      artifacts: [expect.objectContaining({ name: 'public/error.log' })],
    });
  });

  it('redirects s3 artifacts to storage that serves them without Hawk', async () => {
    const res = await queue('GET', `/artifacts/${encodeURIComponent('public/s3.txt')}`);
    expect(res.status).toBe(303);
    expect(schemaErrors('queue/v1/get-artifact-response.json', res.json)).toEqual([]);
    const { url } = res.json as { url: string };
    expect(res.headers.get('location')).toBe(url);
    expect(res.headers.get('x-taskcluster-artifact-storage-type')).toBe('s3');
    const data = await fetch(url);
    expect(data.status).toBe(200);
    expect(data.headers.get('content-type')).toBe('text/plain');
    expect(await data.text()).toBe(CONTENT);
    const withHawk = await fetch(url, { headers: { authorization: 'Hawk id="bot"' } });
    expect(withHawk.status).toBe(400);
  });

  it('redirects reference artifacts to their URL', async () => {
    const res = await queue('GET', `/runs/0/artifacts/${encodeURIComponent('public/ref')}`);
    expect(res.status).toBe(303);
    expect(res.json).toEqual({ storageType: 'reference', url: 'https://example.com/elsewhere' });
  });

  it('answers 424 with the reason for error artifacts, as getArtifact does', async () => {
    const res = await queue('GET', `/artifacts/${encodeURIComponent('public/error.log')}`);
    expect(res.status).toBe(424);
    expect(res.json).toEqual({ reason: 'file-missing-on-worker', message: 'gone' });
    const content = await queue(
      'GET',
      `/artifact-content/${encodeURIComponent('public/error.log')}`,
    );
    expect(content.status).toBe(200);
    expect(schemaErrors('queue/v1/artifact-content-response.json', content.json)).toEqual([]);
    expect(content.json).toEqual({
      storageType: 'error',
      reason: 'file-missing-on-worker',
      message: 'gone',
    });
  });

  it('downloads object artifacts through the object service with the credentials the queue hands out', async () => {
    const content = await queue(
      'GET',
      `/runs/0/artifact-content/${encodeURIComponent('public/object.txt')}`,
    );
    expect(schemaErrors('queue/v1/artifact-content-response.json', content.json)).toEqual([]);
    const { name, credentials } = content.json as { name: string; credentials: TestCredentials };
    expect(name).toBe(`t/${taskId}/0/public/object.txt`);

    const start = await objectService(
      'PUT',
      `/start-download/${encodeURIComponent(name)}`,
      credentials,
      {
        acceptDownloadMethods: { simple: true, getUrl: true },
      },
    );
    expect(start.status).toBe(200);
    expect(schemaErrors('object/v1/download-object-response.json', start.json)).toEqual([]);
    const { method, url, hashes } = start.json as {
      method: string;
      url: string;
      hashes: { sha256: string };
    };
    expect(method).toBe('getUrl');
    expect(hashes.sha256).toBe(sha256(CONTENT));
    expect(await (await fetch(url)).text()).toBe(CONTENT);

    const simple = await objectService(
      'PUT',
      `/start-download/${encodeURIComponent(name)}`,
      credentials,
      {
        acceptDownloadMethods: { simple: true },
      },
    );
    expect(simple.json).toEqual({ method: 'simple', url });
    const none = await objectService(
      'PUT',
      `/start-download/${encodeURIComponent(name)}`,
      credentials,
      {
        acceptDownloadMethods: {},
      },
    );
    expect(none.status).toBe(406);
    // The credentials are for this object only.
    const other = await objectService('PUT', '/start-download/other', credentials, {
      acceptDownloadMethods: { simple: true },
    });
    expect(other.status).toBe(403);
  });

  it('redirects getArtifact of an object artifact to its data', async () => {
    const res = await queue('GET', `/artifacts/${encodeURIComponent('public/object.txt')}`);
    expect(res.status).toBe(303);
    expect(res.json).toMatchObject({ storageType: 'object' });
    expect(await (await fetch(res.headers.get('location')!)).text()).toBe(CONTENT);
  });

  it('serves content that differs from the announced hashes on request', async () => {
    const name = `t/${taskId}/0/public/object.txt`;
    const before = server.objects.get(name)!.hashes.sha256;
    server.objects.injectContentMismatch(name);
    const content = await queue(
      'GET',
      `/artifact-content/${encodeURIComponent('public/object.txt')}`,
    );
    const { credentials } = content.json as { credentials: TestCredentials };
    const start = await objectService(
      'PUT',
      `/start-download/${encodeURIComponent(name)}`,
      credentials,
      {
        acceptDownloadMethods: { getUrl: true },
      },
    );
    const { url, hashes } = start.json as { url: string; hashes: { sha256: string } };
    expect(hashes.sha256).toBe(before);
    const served = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(served).toHaveLength(Buffer.byteLength(CONTENT));
    expect(sha256(served)).not.toBe(before);
  });

  it('uploads an object artifact: createArtifact, createUpload, PUT, finishUpload, finishArtifact', async () => {
    const data = Buffer.from('uploaded bytes');
    const artifactPath = `/runs/0/artifacts/${encodeURIComponent('public/upload.bin')}`;
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const created = await queue('POST', artifactPath, WORKER, {
      storageType: 'object',
      expires,
      contentType: 'application/octet-stream',
    });
    expect(created.status).toBe(200);
    expect(schemaErrors('queue/v1/post-artifact-response.json', created.json)).toEqual([]);
    const { name, projectId, uploadId, credentials } = created.json as {
      name: string;
      projectId: string;
      uploadId: string;
      credentials: TestCredentials;
    };
    // Not listed before it is finished.
    const listed = (await queue('GET', '/artifacts')).json as { artifacts: { name: string }[] };
    expect(listed.artifacts.map((a) => a.name)).not.toContain('public/upload.bin');

    const upload = await objectService('PUT', `/upload/${encodeURIComponent(name)}`, credentials, {
      projectId,
      uploadId,
      expires,
      hashes: { sha256: sha256(data) },
      proposedUploadMethods: {
        putUrl: { contentType: 'application/octet-stream', contentLength: data.length },
      },
    });
    expect(upload.status).toBe(200);
    expect(schemaErrors('object/v1/create-upload-response.json', upload.json)).toEqual([]);
    const { putUrl } = (
      upload.json as { uploadMethod: { putUrl: { url: string; headers: Record<string, string> } } }
    ).uploadMethod;
    const put = await fetch(putUrl.url, { method: 'PUT', headers: putUrl.headers, body: data });
    expect(put.status).toBe(200);

    const wrongHash = await objectService(
      'POST',
      `/finish-upload/${encodeURIComponent(name)}`,
      credentials,
      {
        projectId,
        uploadId,
        hashes: { sha256: sha256('other') },
      },
    );
    expect(wrongHash.status).toBe(400);
    const finished = await objectService(
      'POST',
      `/finish-upload/${encodeURIComponent(name)}`,
      credentials,
      {
        projectId,
        uploadId,
      },
    );
    expect(finished.status).toBe(200);
    const done = await queue('PUT', artifactPath, WORKER, { uploadId });
    expect(done.status).toBe(200);
    expect(server.queue.messages.at(-1)).toMatchObject({
      type: 'artifactCreated',
      payload: { artifact: { name: 'public/upload.bin', storageType: 'object' } },
    });

    const redirect = await queue('GET', `/artifacts/${encodeURIComponent('public/upload.bin')}`);
    expect(await (await fetch(redirect.headers.get('location')!)).text()).toBe('uploaded bytes');
  });

  it('uploads an s3 artifact to its putUrl', async () => {
    const path = `/runs/0/artifacts/${encodeURIComponent('public/s3-upload.txt')}`;
    const created = await queue('POST', path, WORKER, {
      storageType: 's3',
      expires: new Date(Date.now() + 86_400_000).toISOString(),
      contentType: 'text/plain',
      contentLength: 5,
    });
    expect(schemaErrors('queue/v1/post-artifact-response.json', created.json)).toEqual([]);
    const { putUrl } = created.json as { putUrl: string };
    const put = await fetch(putUrl, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(put.status).toBe(200);
    const redirect = await queue('GET', `/artifacts/${encodeURIComponent('public/s3-upload.txt')}`);
    expect(await (await fetch(redirect.headers.get('location')!)).text()).toBe('hello');
    const unexpected = await fetch(putUrl, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'again',
    });
    expect(unexpected.status).toBe(403);
  });

  it('refuses artifact reads without the scope and unknown artifacts', async () => {
    const anonymous = await send(server.rootUrl, {
      method: 'GET',
      path: `/api/queue/v1/task/${taskId}/artifacts/${encodeURIComponent('public/s3.txt')}`,
    });
    expect(anonymous.status).toBe(403);
    const missing = await queue('GET', '/artifacts/nothing');
    expect(missing.status).toBe(404);
    const badRun = await queue('GET', '/runs/7/artifacts');
    expect(badRun.status).toBe(404);
  });
});

describe("the README's signed URL", () => {
  const BOT_CREDENTIALS = { clientId: BOT.clientId, accessToken: BOT.accessToken };
  let server: TaskclusterServer;
  let taskId: string;
  const name = 'private/build.zip';

  beforeAll(async () => {
    server = await startTaskclusterServer({
      clients: { bot: { accessToken: BOT.accessToken, scopes: ['queue:get-artifact:*'] } },
    });
    taskId = server.queue.defineTask().taskId;
    server.queue.claimTask(taskId);
    server.queue.addArtifact(taskId, { storageType: 's3', name, content: CONTENT });
  });
  afterAll(async () => {
    await server.close();
  });

  it('getLatestArtifact downloads the artifact itself, with no credentials but the bewit', async () => {
    const queue = new Queue({ rootUrl: server.rootUrl, credentials: BOT_CREDENTIALS });
    const url = queue.buildSignedUrl('getLatestArtifact', taskId, name);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(CONTENT);
    // Without the bewit the artifact is not public.
    const unsigned = await fetch(queue.buildUrl('getLatestArtifact', taskId, name));
    expect(unsigned.status).toBe(403);
  });

  it('latestArtifact answers where the artifact is, as JSON: not the download', async () => {
    const queue = new Queue({ rootUrl: server.rootUrl, credentials: BOT_CREDENTIALS });
    const response = await fetch(queue.buildSignedUrl('latestArtifact', taskId, name));
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.text()).not.toBe(CONTENT);
  });
});
