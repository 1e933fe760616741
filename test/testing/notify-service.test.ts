/**
 * The simulated notify service through the project's Notify client: email, pulse, matrix and
 * slack notifications are checked against their schemas and scopes and recorded, never sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notify } from '../../src/index.js';
import type { TaskclusterServer } from '../../src/testing/server.js';
import { startWithClients } from '../support/simulated-clients.js';

describe('simulated notify service', () => {
  let server: TaskclusterServer;
  let notify: InstanceType<typeof Notify>;

  beforeAll(async () => {
    const deployment = await startWithClients({
      bot: [
        'notify:email:dev@example.com',
        'notify:pulse:project.bot.*',
        'notify:matrix-room:!room:example.com',
        'notify:slack-channel:C123',
      ],
    });
    server = deployment.server;
    notify = new Notify(deployment.as('bot'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('records each kind of notification, with its request and client', async () => {
    await notify.email({ address: 'dev@example.com', subject: 'Build', content: 'It failed' });
    await notify.pulse({ routingKey: 'project.bot.done', message: { taskId: 'x' } });
    await notify.matrix({ roomId: '!room:example.com', body: 'Build failed' });
    await notify.slack({ channelId: 'C123', text: 'Build failed' });
    expect(server.notify.sent.map((n) => [n.type, n.clientId])).toEqual([
      ['email', 'bot'],
      ['pulse', 'bot'],
      ['matrix', 'bot'],
      ['slack', 'bot'],
    ]);
    expect(server.notify.ofType('email')[0]!.request).toEqual({
      address: 'dev@example.com',
      subject: 'Build',
      content: 'It failed',
    });
  });

  it('refuses, and records nothing, without the scope for the address', async () => {
    const before = server.notify.sent.length;
    await expect(
      notify.email({ address: 'boss@elsewhere.org', subject: 'Hi', content: 'Hello' }),
    ).rejects.toMatchObject({ statusCode: 403, code: 'InsufficientScopes' });
    await expect(notify.matrix({ roomId: '!other:example.com', body: 'x' })).rejects.toMatchObject({
      statusCode: 403,
    });
    expect(server.notify.sent.length).toBe(before);
  });

  it('refuses what the request schema refuses, and records nothing', async () => {
    const before = server.notify.sent.length;
    await expect(
      notify.email({ address: 'not an address', subject: 'x', content: 'y' }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'InputValidationError' });
    expect(server.notify.sent.length).toBe(before);
  });
});
