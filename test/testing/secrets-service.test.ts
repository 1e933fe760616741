/**
 * The simulated secrets service through the project's Secrets client: secrets set, read,
 * listed and removed with the scopes the reference names, and an expired secret no longer read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskclusterHttpError } from '../../src/client/errors.js';
import { Secrets } from '../../src/index.js';
import type { TaskclusterServer } from '../../src/testing/server.js';
import { startWithClients } from '../support/simulated-clients.js';

describe('simulated secrets service', () => {
  let server: TaskclusterServer;
  let writer: InstanceType<typeof Secrets>;
  let reader: InstanceType<typeof Secrets>;

  beforeAll(async () => {
    const deployment = await startWithClients({
      writer: ['secrets:set:project/*', 'secrets:list-secrets'],
      reader: ['secrets:get:project/bot/*'],
    });
    server = deployment.server;
    writer = new Secrets(deployment.as('writer'));
    reader = new Secrets(deployment.as('reader'));
  });
  afterAll(async () => {
    await server.close();
  });

  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

  it('sets, reads, lists and removes a secret', async () => {
    const expires = inAnHour();
    await writer.set('project/bot/token', { expires, secret: { token: 'abc' } });
    expect(await reader.get('project/bot/token')).toEqual({ expires, secret: { token: 'abc' } });
    expect(await writer.list()).toEqual({ secrets: ['project/bot/token'] });
    await writer.remove('project/bot/token');
    await expect(reader.get('project/bot/token')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    expect(await writer.list()).toEqual({ secrets: [] });
  });

  it('lists in pages', async () => {
    for (const name of ['a', 'b', 'c']) {
      await writer.set(`project/page/${name}`, { expires: inAnHour(), secret: {} });
    }
    const first = await writer.list({ limit: 2 });
    expect(first.secrets).toEqual(['project/page/a', 'project/page/b']);
    const second = await writer.list({ limit: 2, continuationToken: first.continuationToken! });
    expect(second).toEqual({ secrets: ['project/page/c'] });
  });

  it('answers 410 ResourceExpired for a secret past its expiry, still listed until removed', async () => {
    const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
    await writer.set('project/bot/short', { expires: aMinuteAgo, secret: { v: 1 } });
    await expect(reader.get('project/bot/short')).rejects.toMatchObject({
      statusCode: 410,
      code: 'ResourceExpired',
    });
    expect((await writer.list()).secrets).toContain('project/bot/short');
  });

  it('refuses without the scopes the reference names', async () => {
    const error = await reader
      .set('project/bot/x', { expires: inAnHour(), secret: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect(error).toMatchObject({ statusCode: 403, code: 'InsufficientScopes' });
    expect((error as Error).message).toContain('secrets:set:project/bot/x');
    await expect(writer.get('project/bot/short')).rejects.toMatchObject({ statusCode: 403 });
  });
});
