import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import {
  authorizationFor,
  bewitUrl,
  type CertificateInputs,
  send,
  signCertificate,
  type TestCredentials,
  temporaryToken,
} from './hawk-request.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const WHOAMI = '/api/auth/v1/test-authenticate-get/';

const ISSUER = { clientId: 'issuer/perm', accessToken: 'issuer-secret-token' };
const ISSUER_SCOPES = ['queue:*', 'auth:current-scopes', 'secrets:get:a'];
const OTHER = { clientId: 'other', accessToken: 'other-secret-token' };
// Two slugids.
const SEED = 'JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ';

describe('simulated server: authentication', () => {
  let server: TaskclusterServer;

  beforeAll(async () => {
    server = await startTaskclusterServer({
      clients: {
        [ISSUER.clientId]: { accessToken: ISSUER.accessToken, scopes: ISSUER_SCOPES },
        [OTHER.clientId]: { accessToken: OTHER.accessToken, scopes: ['other:*'] },
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  function certificate(overrides: Partial<CertificateInputs> = {}, clientId = ISSUER.clientId) {
    const now = Date.now();
    const inputs: CertificateInputs = {
      scopes: ['queue:get-task', 'auth:current-scopes'],
      start: now - HOUR,
      expiry: now + HOUR,
      seed: SEED,
      ...overrides,
    };
    return signCertificate(inputs, clientId, ISSUER.accessToken);
  }

  function temporary(cert: Record<string, unknown>, clientId = ISSUER.clientId): TestCredentials {
    return {
      clientId,
      accessToken: temporaryToken(ISSUER.accessToken, cert.seed as string),
      certificate: cert,
    };
  }

  it('answers anonymous requests with no scopes', async () => {
    const res = await send(server.rootUrl, { method: 'GET', path: WHOAMI });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ clientId: 'auth-failed:no-auth', scopes: [] });
  });

  it('accepts permanent credentials and grants their scopes', async () => {
    const res = await send(server.rootUrl, { method: 'GET', path: WHOAMI, credentials: ISSUER });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ clientId: ISSUER.clientId, scopes: ISSUER_SCOPES });
    const recorded = server.requests.at(-1)!;
    expect(recorded).toMatchObject({ auth: 'hawk', clientId: ISSUER.clientId });
    expect(recorded.scopes).toEqual(ISSUER_SCOPES);
  });

  it('limits the scopes to authorizedScopes', async () => {
    const res = await send(server.rootUrl, {
      method: 'GET',
      path: '/api/auth/v1/scopes/current',
      credentials: { ...ISSUER, authorizedScopes: ['queue:get-task:x', 'auth:current-scopes'] },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ scopes: ['queue:get-task:x', 'auth:current-scopes'] });
  });

  it('answers 403 InsufficientScopes when authorizedScopes lack the required scope', async () => {
    const res = await send(server.rootUrl, {
      method: 'GET',
      path: '/api/auth/v1/scopes/current',
      credentials: { ...ISSUER, authorizedScopes: ['queue:get-task:x'] },
    });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ code: 'InsufficientScopes' });
  });

  it('accepts temporary credentials built by hand and grants the certificate scopes', async () => {
    const cert = certificate();
    const res = await send(server.rootUrl, {
      method: 'GET',
      path: WHOAMI,
      credentials: temporary(cert),
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ clientId: ISSUER.clientId, scopes: cert.scopes });
  });

  it('accepts the certificate as a JSON string inside ext', async () => {
    const cert = certificate({ scopes: ['queue:x'] });
    const ext = Buffer.from(JSON.stringify({ certificate: JSON.stringify(cert) })).toString(
      'base64',
    );
    const res = await send(server.rootUrl, {
      method: 'GET',
      path: WHOAMI,
      credentials: temporary(cert),
      ext,
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ clientId: ISSUER.clientId, scopes: ['queue:x'] });
  });

  it('accepts named temporary credentials and restricts them with authorizedScopes', async () => {
    const name = 'named/temp';
    const cert = certificate({ issuer: ISSUER.clientId }, name);
    const res = await send(server.rootUrl, {
      method: 'GET',
      path: WHOAMI,
      credentials: { ...temporary(cert, name), authorizedScopes: ['queue:get-task'] },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ clientId: name, scopes: ['queue:get-task'] });
  });

  it('verifies the payload hash when one is signed', async () => {
    const echo = '/api/fake/v1/echo';
    server.route('fake', 'post', '/echo', (ctx) => ({ json: { body: ctx.body } }));
    const ok = await send(server.rootUrl, {
      method: 'POST',
      path: echo,
      credentials: ISSUER,
      payload: { a: 1 },
      hashPayload: true,
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ body: { a: 1 } });
    const unhashed = await send(server.rootUrl, {
      method: 'POST',
      path: echo,
      credentials: ISSUER,
      payload: { a: 1 },
      sendBody: JSON.stringify({ a: 3 }),
    });
    expect(unhashed.json).toEqual({ body: { a: 3 } });
    const tampered = await send(server.rootUrl, {
      method: 'POST',
      path: echo,
      credentials: ISSUER,
      payload: { a: 1 },
      hashPayload: true,
      sendBody: JSON.stringify({ a: 2 }),
    });
    expect(tampered.status).toBe(401);
    expect(tampered.json).toMatchObject({ code: 'AuthenticationFailed' });
  });

  it('refuses a replayed Authorization header', async () => {
    const authorization = authorizationFor(server.rootUrl, {
      method: 'GET',
      path: WHOAMI,
      credentials: ISSUER,
    })!;
    const first = await send(server.rootUrl, { method: 'GET', path: WHOAMI, authorization });
    const second = await send(server.rootUrl, { method: 'GET', path: WHOAMI, authorization });
    expect(first.status).toBe(200);
    expect(second.status).toBe(401);
  });

  it('allows 900 s of clock skew on headers, not more', async () => {
    const within = await send(server.rootUrl, {
      method: 'GET',
      path: WHOAMI,
      credentials: ISSUER,
      offsetMs: -850_000,
    });
    const beyond = await send(server.rootUrl, {
      method: 'GET',
      path: WHOAMI,
      credentials: ISSUER,
      offsetMs: 950_000,
    });
    expect(within.status).toBe(200);
    expect(beyond.status).toBe(401);
  });

  it('accepts a bewit on GET and refuses an expired one', async () => {
    const good = await fetch(bewitUrl(server.rootUrl, WHOAMI, ISSUER, 60));
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ clientId: ISSUER.clientId, scopes: ISSUER_SCOPES });
    expect(server.requests.at(-1)).toMatchObject({ auth: 'bewit', query: {} });

    const expired = await fetch(bewitUrl(server.rootUrl, WHOAMI, ISSUER, 60, -120_000));
    expect(expired.status).toBe(401);
  });

  it('accepts a bewit of temporary credentials with authorizedScopes', async () => {
    const cert = certificate();
    const url = bewitUrl(
      server.rootUrl,
      `${WHOAMI}?x=1`,
      { ...temporary(cert), authorizedScopes: ['queue:get-task'] },
      60,
    );
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ clientId: ISSUER.clientId, scopes: ['queue:get-task'] });
    expect(server.requests.at(-1)!.query).toEqual({ x: '1' });
  });

  const rejected: { name: string; credentials: () => TestCredentials; message: RegExp }[] = [
    {
      name: 'a wrong access token',
      credentials: () => ({ ...ISSUER, accessToken: 'wrong' }),
      message: /Bad mac/,
    },
    {
      name: 'an unknown client',
      credentials: () => ({ clientId: 'nobody', accessToken: 'x' }),
      message: /Unknown clientId/,
    },
    {
      name: 'an expired certificate',
      credentials: () =>
        temporary(certificate({ start: Date.now() - 3 * DAY, expiry: Date.now() - 2 * DAY })),
      message: /expiry/,
    },
    {
      name: 'a certificate starting more than 5 minutes ahead',
      credentials: () =>
        temporary(certificate({ start: Date.now() + 10 * 60_000, expiry: Date.now() + DAY })),
      message: /start/,
    },
    {
      name: 'a certificate spanning more than 31 days',
      credentials: () =>
        temporary(certificate({ start: Date.now() - HOUR, expiry: Date.now() + 31 * DAY })),
      message: /31 days/,
    },
    {
      name: 'a tampered certificate signature',
      credentials: () => {
        const cert = certificate();
        return temporary({ ...cert, signature: certificate({ scopes: ['x'] }).signature });
      },
      message: /signature/,
    },
    {
      name: 'certificate scopes changed after signing',
      credentials: () => temporary({ ...certificate(), scopes: ['queue:*'] }),
      message: /signature/,
    },
    {
      name: 'a certificate with scopes the issuer lacks',
      credentials: () => temporary(certificate({ scopes: ['secrets:get:b'] })),
      message: /scopes/,
    },
    {
      name: 'a seed that is not 44 characters',
      credentials: () => temporary(certificate({ seed: SEED.slice(0, 22) })),
      message: /seed/,
    },
    {
      name: 'a certificate of version 2',
      credentials: () => temporary({ ...certificate(), version: 2 }),
      message: /version/,
    },
    {
      name: 'named credentials whose clientId is the issuer',
      credentials: () => temporary(certificate({ issuer: ISSUER.clientId })),
      message: /differ/,
    },
    {
      name: 'named credentials presented under another name',
      credentials: () => temporary(certificate({ issuer: ISSUER.clientId }, 'a'), 'b'),
      message: /signature/,
    },
    {
      name: 'the issuer token used instead of the temporary one',
      credentials: () => ({ ...temporary(certificate()), accessToken: ISSUER.accessToken }),
      message: /Bad mac/,
    },
    {
      name: 'authorizedScopes beyond the credentials',
      credentials: () => ({ ...OTHER, authorizedScopes: ['queue:*'] }),
      message: /oversteps/,
    },
  ];

  it.each(rejected)(
    'rejects $name with 401 AuthenticationFailed',
    async ({ credentials, message }) => {
      const given = credentials();
      const res = await send(server.rootUrl, { method: 'GET', path: WHOAMI, credentials: given });
      expect(res.status).toBe(401);
      const body = res.json as { code: string; message: string };
      expect(body.code).toBe('AuthenticationFailed');
      expect(body.message).toMatch(message);
      expect(res.text).not.toContain(given.accessToken);
      expect(res.text).not.toContain(ISSUER.accessToken);
      expect(res.text).not.toMatch(/Hawk id=/);
      const certificate = given.certificate as { signature?: string } | undefined;
      if (certificate?.signature !== undefined) {
        expect(res.text).not.toContain(certificate.signature);
      }
    },
  );

  it('rejects a MAC computed for another host than the root URL', async () => {
    const port = new URL(server.rootUrl).port;
    const authorization = authorizationFor(`http://localhost:${port}`, {
      method: 'GET',
      path: WHOAMI,
      credentials: ISSUER,
    })!;
    const res = await send(server.rootUrl, { method: 'GET', path: WHOAMI, authorization });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ message: /Bad mac/ });
  });

  it('rejects an ext that is not base64 JSON, and a header with a bewit', async () => {
    const badExt = await send(server.rootUrl, {
      method: 'GET',
      path: WHOAMI,
      credentials: ISSUER,
      ext: 'bm90IGpzb24=',
    });
    expect(badExt.status).toBe(401);
    expect(badExt.json).toMatchObject({ message: /ext/ });
    const url = new URL(bewitUrl(server.rootUrl, WHOAMI, ISSUER, 60));
    const both = await send(server.rootUrl, {
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      credentials: ISSUER,
    });
    expect(both.status).toBe(401);
  });

  it('rejects an expired certificate in a bewit', async () => {
    const cert = certificate({ start: Date.now() - 3 * DAY, expiry: Date.now() - 2 * DAY });
    const res = await fetch(bewitUrl(server.rootUrl, WHOAMI, temporary(cert), 60));
    expect(res.status).toBe(401);
  });
});
