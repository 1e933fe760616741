/**
 * The simulated auth service through the project's Auth client: roles expand scopes as the
 * auth service expands them (`assume:`, roles ending in `*`, `<..>`), clients created through
 * the API authenticate with their expanded scopes, and the anonymous role is what
 * unauthenticated requests get.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Auth, Queue } from '../../src/index.js';
import { expandScopes } from '../../src/testing/scopes.js';
import type { TaskclusterServer } from '../../src/testing/server.js';
import { startWithClients } from '../support/simulated-clients.js';

describe('role expansion', () => {
  const roles = new Map<string, string[]>([
    ['project:ci', ['queue:create-task:*', 'assume:worker:ci']],
    ['worker:ci', ['queue:claim-work:proj/ci']],
    ['repo:github.com/*', ['assume:project-member:<..>', 'secrets:get:repo']],
    ['project-member:*', ['index:find-task:<..>']],
  ]);

  it('follows assume: scopes transitively, each scope once', () => {
    expect(expandScopes(['assume:project:ci', 'queue:create-task:*'], roles)).toEqual([
      'assume:project:ci',
      'queue:create-task:*',
      'assume:worker:ci',
      'queue:claim-work:proj/ci',
    ]);
  });

  it('grants a role ending in * to every scope it prefixes, with <..> the rest', () => {
    expect(expandScopes(['assume:repo:github.com/org/app'], roles)).toEqual([
      'assume:repo:github.com/org/app',
      'assume:project-member:org/app',
      'secrets:get:repo',
      'index:find-task:org/app',
    ]);
  });

  it('grants every role a scope ending in * prefixes', () => {
    const expanded = expandScopes(['assume:project:*'], roles);
    expect(expanded).toContain('queue:create-task:*');
    expect(expanded).toContain('queue:claim-work:proj/ci');
  });
});

describe('simulated auth service', () => {
  let server: TaskclusterServer;
  let auth: InstanceType<typeof Auth>;

  beforeAll(async () => {
    const deployment = await startWithClients(
      { admin: ['auth:*', 'assume:*', 'queue:*', 'secrets:*'] },
      {
        roles: {
          anonymous: ['queue:get-artifact:public/*'],
          'project:bot': ['queue:get-task:*', 'auth:current-scopes'],
        },
      },
    );
    server = deployment.server;
    auth = new Auth(deployment.as('admin'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('expands scopes through the roles (expandScopes), normalized', async () => {
    expect(await auth.expandScopes({ scopes: ['assume:project:bot'] })).toEqual({
      scopes: ['assume:project:bot', 'auth:current-scopes', 'queue:get-task:*'],
    });
  });

  it('creates a client that authenticates with its scopes expanded', async () => {
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    const created = await auth.createClient('project/bot', {
      description: 'the bot',
      expires,
      scopes: ['assume:project:bot'],
    });
    expect(created.expandedScopes).toEqual([
      'assume:project:bot',
      'auth:current-scopes',
      'queue:get-task:*',
    ]);
    const bot = new Auth({
      rootUrl: server.rootUrl,
      credentials: { clientId: 'project/bot', accessToken: created.accessToken },
      maxRetries: 0,
    });
    expect((await bot.currentScopes()).scopes).toContain('queue:get-task:*');
    expect((await auth.client('project/bot')).scopes).toEqual(['assume:project:bot']);
    expect(JSON.stringify(await auth.client('project/bot'))).not.toContain(created.accessToken);

    await auth.disableClient('project/bot');
    await expect(bot.currentScopes()).rejects.toMatchObject({ statusCode: 401 });
    await auth.enableClient('project/bot');
    await auth.deleteClient('project/bot');
    await expect(bot.currentScopes()).rejects.toMatchObject({ statusCode: 401 });
  });

  it('creates, reads, updates and deletes roles; createClient needs the scopes it grants', async () => {
    await auth.createRole('project:other', { description: 'other', scopes: ['secrets:get:x'] });
    expect((await auth.role('project:other')).expandedScopes).toEqual([
      'assume:project:other',
      'secrets:get:x',
    ]);
    await auth.updateRole('project:other', { description: 'other', scopes: ['secrets:get:y'] });
    expect((await auth.listRoles()).map((role) => role.roleId)).toContain('project:other');
    await auth.deleteRole('project:other');
    await expect(auth.role('project:other')).rejects.toMatchObject({ statusCode: 404 });

    const limited = auth.use({ authorizedScopes: ['auth:create-client:x'] });
    await expect(
      limited.createClient('x', {
        description: 'x',
        expires: new Date(Date.now() + 60_000).toISOString(),
        scopes: ['queue:*'],
      }),
    ).rejects.toMatchObject({ statusCode: 403, code: 'InsufficientScopes' });
  });

  it('grants unauthenticated requests the anonymous role', async () => {
    const { taskId } = server.queue.defineTask();
    server.queue.runTask(taskId, {
      artifacts: [{ storageType: 'reference', name: 'private/x', url: 'https://example.com/x' }],
      outcome: { type: 'completed' },
    });
    server.queue.addArtifact(taskId, {
      storageType: 'reference',
      name: 'public/x',
      url: 'https://example.com/x',
    });
    const anonymous = new Queue({ rootUrl: server.rootUrl, maxRetries: 0 });
    await expect(anonymous.latestArtifact(taskId, 'public/x')).resolves.toMatchObject({
      storageType: 'reference',
    });
    await expect(anonymous.latestArtifact(taskId, 'private/x')).rejects.toMatchObject({
      statusCode: 403,
    });
  });
});
