import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';

/** The parts of the official `taskcluster-client` package (untyped) this cross-check uses. */
interface OfficialCredentials {
  clientId: string;
  accessToken: string;
  certificate?: string;
}
interface OfficialOptions {
  rootUrl: string;
  credentials?: OfficialCredentials;
  authorizedScopes?: string[];
  retries?: number;
}
interface OfficialClient {
  Auth: new (
    options: OfficialOptions,
  ) => {
    testAuthenticateGet(): Promise<{ clientId: string; scopes: string[] }>;
    buildSignedUrl(method: unknown, options?: { expiration: number }): string;
  };
  Queue: new (
    options: OfficialOptions,
  ) => {
    task(taskId: string): Promise<{ taskGroupId: string }>;
    listTaskGroup(
      taskGroupId: string,
      query?: { limit?: number; continuationToken?: string },
    ): Promise<{ tasks: unknown[]; continuationToken?: string }>;
  };
  Object: new (options: OfficialOptions) => object;
  downloadArtifact(options: {
    taskId: string;
    name: string;
    queue: object;
    streamFactory: () => Promise<Writable>;
    retries?: number;
  }): Promise<string>;
  upload(options: {
    projectId: string;
    name: string;
    contentType: string;
    contentLength: number;
    expires: Date;
    object: object;
    streamFactory: () => Promise<Readable>;
  }): Promise<void>;
  createTemporaryCredentials(options: {
    clientId?: string;
    start: Date;
    expiry: Date;
    scopes: string[];
    credentials: OfficialCredentials;
  }): OfficialCredentials;
}

// The official client is the reference implementation of the wire format: the simulated
// server must accept what it sends, exactly as a real deployment does. The package ships no
// types; it is loaded by name so that this file depends only on the shapes declared above.
const OFFICIAL_CLIENT_PACKAGE = 'taskcluster-client';
let official: OfficialClient;
const ISSUER = { clientId: 'issuer', accessToken: 'issuer-secret-token' };
const SCOPES = [
  'queue:get-task:*',
  'queue:list-task-group:*',
  'queue:get-artifact:*',
  'object:upload:*',
  'object:download:*',
  'secrets:get:*',
];

/** A writable that keeps what it receives. */
function collector(): { stream: Writable; data: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, data: () => Buffer.concat(chunks) };
}

describe('simulated server accepts the official taskcluster-client', () => {
  let server: TaskclusterServer;

  beforeAll(async () => {
    official = (await import(OFFICIAL_CLIENT_PACKAGE)).default as OfficialClient;
    server = await startTaskclusterServer({
      clients: { [ISSUER.clientId]: { accessToken: ISSUER.accessToken, scopes: SCOPES } },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const whoami = (options: Omit<OfficialOptions, 'rootUrl'>) =>
    new official.Auth({ rootUrl: server.rootUrl, retries: 0, ...options }).testAuthenticateGet();

  it('permanent credentials', async () => {
    expect(await whoami({ credentials: ISSUER })).toEqual({ clientId: 'issuer', scopes: SCOPES });
  });

  it('permanent credentials with authorizedScopes', async () => {
    const granted = await whoami({ credentials: ISSUER, authorizedScopes: ['secrets:get:x'] });
    expect(granted).toEqual({ clientId: 'issuer', scopes: ['secrets:get:x'] });
  });

  it('unnamed and named temporary credentials', async () => {
    const window = {
      start: new Date(Date.now() - 60_000),
      expiry: new Date(Date.now() + 3_600_000),
    };
    const unnamed = official.createTemporaryCredentials({
      ...window,
      scopes: ['queue:get-task:*'],
      credentials: ISSUER,
    });
    expect(await whoami({ credentials: unnamed })).toEqual({
      clientId: 'issuer',
      scopes: ['queue:get-task:*'],
    });
    const named = official.createTemporaryCredentials({
      ...window,
      clientId: 'issuer/named',
      scopes: ['secrets:get:a', 'secrets:get:b'],
      credentials: ISSUER,
    });
    expect(await whoami({ credentials: named, authorizedScopes: ['secrets:get:a'] })).toEqual({
      clientId: 'issuer/named',
      scopes: ['secrets:get:a'],
    });
  });

  it('signed URLs', async () => {
    const auth = new official.Auth({ rootUrl: server.rootUrl, credentials: ISSUER });
    const url = auth.buildSignedUrl(auth.testAuthenticateGet, { expiration: 60 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ clientId: 'issuer', scopes: SCOPES });
  });

  it('queue methods with pagination', async () => {
    const { taskGroupId } = server.queue.defineTaskGroup([{}, {}, {}]);
    const queue = new official.Queue({ rootUrl: server.rootUrl, credentials: ISSUER });
    const first = await queue.listTaskGroup(taskGroupId, { limit: 2 });
    expect(first.tasks).toHaveLength(2);
    const second = await queue.listTaskGroup(taskGroupId, {
      limit: 2,
      continuationToken: first.continuationToken!,
    });
    expect(second.tasks).toHaveLength(1);
    expect(second.continuationToken).toBeUndefined();
    const taskId = server.queue.taskGroup(taskGroupId).tasks[0]!.status.taskId;
    expect(await queue.task(taskId)).toMatchObject({ taskGroupId });
  });

  it('artifact downloads of every storage type, and a hash mismatch', async () => {
    const { taskId } = server.queue.defineTask();
    const content = Buffer.from('official download\n'.repeat(100));
    server.queue.runTask(taskId, {
      artifacts: [
        { storageType: 's3', name: 'public/s3.txt', content, contentType: 'text/plain' },
        { storageType: 'object', name: 'public/object.txt', content, contentType: 'text/plain' },
        { storageType: 'object', name: 'public/bad.txt', content },
        {
          storageType: 'error',
          name: 'public/err',
          reason: 'file-missing-on-worker',
          message: 'gone',
        },
      ],
      outcome: { type: 'completed' },
    });
    server.objects.injectContentMismatch(`t/${taskId}/0/public/bad.txt`);
    const queue = new official.Queue({ rootUrl: server.rootUrl, credentials: ISSUER });
    const download = async (name: string) => {
      const sink = collector();
      await official.downloadArtifact({
        taskId,
        name,
        queue,
        retries: 0,
        streamFactory: async () => sink.stream,
      });
      return sink.data();
    };
    expect(await download('public/s3.txt')).toEqual(content);
    expect(await download('public/object.txt')).toEqual(content);
    await expect(download('public/bad.txt')).rejects.toThrow(/hash does not match/);
    await expect(download('public/err')).rejects.toThrow(/gone/);
  });

  it.each([
    ['inline', 100],
    ['putUrl', 64 * 1024],
  ])('object uploads (%s)', async (_method, size) => {
    const data = Buffer.alloc(size, 7);
    const object = new official.Object({ rootUrl: server.rootUrl, credentials: ISSUER });
    const name = `uploads/${size}`;
    await official.upload({
      projectId: 'none',
      name,
      contentType: 'application/octet-stream',
      contentLength: data.length,
      expires: new Date(Date.now() + 86_400_000),
      object,
      streamFactory: async () => Readable.from([data]),
    });
    expect(server.objects.get(name)).toMatchObject({
      finished: true,
      hashes: { sha256: createHash('sha256').update(data).digest('hex') },
    });
    expect(server.objects.content(name)).toEqual(data);
  });
});
