import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialInformation } from '../../src/client/credential-information.js';
import { TaskclusterHttpError } from '../../src/client/errors.js';
import type { Credentials } from '../../src/client/options.js';
import { createTemporaryCredentials } from '../../src/client/temporary-credentials.js';
import { InputError } from '../../src/errors.js';
import { notFound } from '../../src/testing/api-error.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Permanent clients: their secret, scopes, and what `auth.client` reports about them. */
const CLIENTS = {
  'project/bot': {
    accessToken: 'bot-secret-access-token-0123456789abcdef',
    scopes: [
      'auth:current-scopes',
      'auth:get-client:project/bot',
      'auth:create-client:project/bot/*',
      'queue:get-artifact:public/*',
    ],
    disabled: false,
    expires: new Date(Date.now() + 30 * DAY_MS).toISOString(),
  },
  'project/retired': {
    accessToken: 'retired-secret-access-token-0123456789ab',
    scopes: ['auth:current-scopes', 'auth:get-client:project/retired'],
    disabled: true,
    expires: new Date(Date.now() + 30 * DAY_MS).toISOString(),
  },
  'project/mute': {
    accessToken: 'mute-secret-access-token-0123456789abcde',
    scopes: ['queue:get-artifact:public/*'],
    disabled: false,
    expires: new Date(Date.now() + 30 * DAY_MS).toISOString(),
  },
} as const;
type ClientId = keyof typeof CLIENTS;

let server: TaskclusterServer;

function permanent(clientId: ClientId): Credentials {
  return { clientId, accessToken: CLIENTS[clientId].accessToken };
}

beforeAll(async () => {
  server = await startTaskclusterServer({
    clients: Object.fromEntries(
      Object.entries(CLIENTS).map(([id, c]) => [
        id,
        { accessToken: c.accessToken, scopes: [...c.scopes] },
      ]),
    ),
  });
  // auth.client as the auth service answers it (get-client-response.json).
  server.route(
    'auth',
    'get',
    '/clients/<clientId>',
    (ctx) => {
      const clientId = ctx.params.clientId!;
      ctx.requireScopes([[`auth:get-client:${clientId}`]]);
      const client = CLIENTS[clientId as ClientId];
      if (client === undefined) throw notFound(`Client ${clientId} not found`);
      const created = new Date(Date.now() - DAY_MS).toISOString();
      return {
        json: {
          clientId,
          description: 'a test client',
          expires: client.expires,
          disabled: client.disabled,
          deleteOnExpiration: false,
          created,
          lastModified: created,
          lastDateUsed: created,
          lastRotated: created,
          scopes: [...client.scopes],
          expandedScopes: [...client.scopes],
        },
      };
    },
    { name: 'client' },
  );
});

afterAll(() => server.close());

describe('credentialInformation of permanent credentials', () => {
  it.each([
    { clientId: 'project/bot' as const, active: true },
    { clientId: 'project/retired' as const, active: false },
  ])('$clientId: active $active', async ({ clientId, active }) => {
    const info = await credentialInformation(server.rootUrl, permanent(clientId));
    expect(info).toEqual({
      clientId,
      type: 'permanent',
      active,
      expiry: new Date(CLIENTS[clientId].expires),
      scopes: CLIENTS[clientId].scopes,
    });
    const calls = server.requests.slice(-2).map((r) => `${r.route} ${r.auth} ${r.clientId}`);
    expect(calls.sort()).toEqual([
      `GET /api/auth/v1/clients/<clientId> hawk ${clientId}`,
      `GET /api/auth/v1/scopes/current hawk ${clientId}`,
    ]);
  });

  it('an error of the deployment is typed, and quotes no secret', async () => {
    const error = await credentialInformation(server.rootUrl, permanent('project/mute')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect(error).toMatchObject({ statusCode: 403, code: 'InsufficientScopes' });
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).not.toContain(CLIENTS['project/mute'].accessToken);
  });

  it('wrong credentials fail authentication, without quoting them', async () => {
    const wrong = { clientId: 'project/bot', accessToken: 'not-the-right-secret-token-0123456789' };
    const error = await credentialInformation(server.rootUrl, wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskclusterHttpError);
    expect(error).toMatchObject({ statusCode: 401 });
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(wrong.accessToken);
  });
});

describe('credentialInformation of temporary credentials', () => {
  const bot = permanent('project/bot');
  const scopes = ['auth:current-scopes', 'queue:get-artifact:public/logs/*'];

  it.each([
    { label: 'unnamed', name: undefined, clientId: 'project/bot' },
    { label: 'named', name: 'project/bot/helper', clientId: 'project/bot/helper' },
  ])('$label: from the certificate, scopes from the deployment', async ({ name, clientId }) => {
    const start = Date.now() - 60_000;
    const expiry = Date.now() + HOUR_MS;
    const credentials = createTemporaryCredentials({
      credentials: bot,
      start,
      expiry,
      scopes,
      ...(name === undefined ? {} : { name }),
    });
    const info = await credentialInformation(server.rootUrl, credentials);
    expect(info).toEqual({
      clientId,
      type: 'temporary',
      active: true,
      start: new Date(start),
      expiry: new Date(expiry),
      scopes,
    });
    const last = server.requests.at(-1)!;
    expect(last).toMatchObject({
      route: 'GET /api/auth/v1/scopes/current',
      auth: 'hawk',
      clientId,
    });
  });

  it.each([
    { label: 'not yet valid', start: Date.now() + HOUR_MS, expiry: Date.now() + 2 * HOUR_MS },
    { label: 'expired', start: Date.now() - 2 * HOUR_MS, expiry: Date.now() - HOUR_MS },
  ])(
    '$label: inactive, with the certificate scopes, and nothing sent',
    async ({ start, expiry }) => {
      const credentials = createTemporaryCredentials({ credentials: bot, start, expiry, scopes });
      const before = server.requests.length;
      const info = await credentialInformation(server.rootUrl, credentials);
      expect(info).toEqual({
        clientId: 'project/bot',
        type: 'temporary',
        active: false,
        start: new Date(start),
        expiry: new Date(expiry),
        scopes,
      });
      expect(server.requests.length).toBe(before);
    },
  );
});

describe('bad input is refused before anything is sent', () => {
  it.each([
    { label: 'no accessToken', rootUrl: 'ROOT', credentials: { clientId: 'a' } },
    { label: 'no clientId', rootUrl: 'ROOT', credentials: { accessToken: 'secret' } },
    {
      label: 'certificate not JSON',
      rootUrl: 'ROOT',
      credentials: { clientId: 'a', accessToken: 'b', certificate: '{' },
    },
    { label: 'no rootUrl', rootUrl: '', credentials: { clientId: 'a', accessToken: 'b' } },
  ])('$label', async ({ rootUrl, credentials }) => {
    const before = server.requests.length;
    const error = await credentialInformation(
      rootUrl === 'ROOT' ? server.rootUrl : rootUrl,
      credentials as unknown as Credentials,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(server.requests.length).toBe(before);
  });
});
