import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { send, type TestCredentials } from './hawk-request.js';

// Known answers restated from the shared vectors: issuer def/ghi@XXX, token tokenABCDEFGH.
const ISSUER_ID = 'def/ghi@XXX';
const ISSUER_TOKEN = 'tokenABCDEFGH';
const START = 1438964811744;
const EXPIRY = 1439051211744;
const SEED = 'JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ';
const SCOPES = ['scope/asd:fhjdf/X', 'scope/asd:fhjdf/XYZ*'];
const TEMP_TOKEN = 'R4OVHWpIvy6KsqS4AWE51QwbvgLvsstS6e6UW8IfHUY';
const UNNAMED_SIGNATURE = '45AlB/hKZZZz4Tf3NaidutasfgBnr4t2AxwBiGDQF9Q=';
const NAMED_SIGNATURE = 'nNEaLtZMiw627NuDbF5Z8HDFc57MGWCptXBQSYNFgBk=';
const EMPTY_SCOPES_SIGNATURE = 'Yj91BKjGmdIhj/ErreQCRyf7jNWZ0AjPsoSbmkb/iL0=';
const NAME = 'abc/def/ghi';

const unnamed = JSON.stringify({
  version: 1,
  scopes: SCOPES,
  start: START,
  expiry: EXPIRY,
  seed: SEED,
  signature: UNNAMED_SIGNATURE,
});
const named = JSON.stringify({
  version: 1,
  scopes: SCOPES,
  start: START,
  expiry: EXPIRY,
  seed: SEED,
  signature: NAMED_SIGNATURE,
  issuer: ISSUER_ID,
});

const cases: {
  name: string;
  credentials: TestCredentials;
  granted: string[];
}[] = [
  {
    name: 'unnamed, no authorizedScopes',
    credentials: { clientId: ISSUER_ID, accessToken: TEMP_TOKEN, certificate: unnamed },
    granted: SCOPES,
  },
  {
    name: 'named, no authorizedScopes',
    credentials: { clientId: NAME, accessToken: TEMP_TOKEN, certificate: named },
    granted: SCOPES,
  },
  {
    name: 'unnamed, authorizedScopes',
    credentials: {
      clientId: ISSUER_ID,
      accessToken: TEMP_TOKEN,
      certificate: unnamed,
      authorizedScopes: ['scope/asd:fhjdf/X'],
    },
    granted: ['scope/asd:fhjdf/X'],
  },
  {
    name: 'named, authorizedScopes',
    credentials: {
      clientId: NAME,
      accessToken: TEMP_TOKEN,
      certificate: named,
      authorizedScopes: ['scope/asd:fhjdf/X'],
    },
    granted: ['scope/asd:fhjdf/X'],
  },
  {
    name: 'unnamed, empty scopes',
    credentials: {
      clientId: ISSUER_ID,
      accessToken: TEMP_TOKEN,
      certificate: { ...JSON.parse(unnamed), scopes: [], signature: EMPTY_SCOPES_SIGNATURE },
    },
    granted: [],
  },
];

const WHOAMI = '/api/auth/v1/test-authenticate-get/';

describe('simulated server: the vectors certificates', () => {
  // The server's clock is set inside the certificates' window; the client signs with the same offset.
  const offsetMs = START + 60 * 60 * 1000 - Date.now();
  let server: TaskclusterServer;
  let realClockServer: TaskclusterServer;

  beforeAll(async () => {
    const clients = { [ISSUER_ID]: { accessToken: ISSUER_TOKEN, scopes: ['scope/asd:fhjdf/*'] } };
    server = await startTaskclusterServer({ clients, now: () => Date.now() + offsetMs });
    realClockServer = await startTaskclusterServer({ clients });
  });
  afterAll(async () => {
    await server.close();
    await realClockServer.close();
  });

  it.each(cases)(
    'accepts $name when the clock is within its window',
    async ({ credentials, granted }) => {
      const res = await send(server.rootUrl, {
        method: 'GET',
        path: WHOAMI,
        credentials,
        offsetMs,
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ clientId: credentials.clientId, scopes: granted });
    },
  );

  it.each(cases)('rejects $name as expired on the real clock', async ({ credentials }) => {
    const res = await send(realClockServer.rootUrl, { method: 'GET', path: WHOAMI, credentials });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ code: 'AuthenticationFailed', message: /expiry/ });
  });

  it('rejects the named certificate presented as unnamed (signature covers the name)', async () => {
    const res = await send(server.rootUrl, {
      method: 'GET',
      path: WHOAMI,
      credentials: {
        clientId: ISSUER_ID,
        accessToken: TEMP_TOKEN,
        certificate: unnamed.replace(UNNAMED_SIGNATURE, NAMED_SIGNATURE),
      },
      offsetMs,
    });
    expect(res.status).toBe(401);
  });
});
