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
const SCOPES = ['queue:get-task:*', 'queue:list-task-group:*', 'secrets:get:*'];

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
});
