import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTemporaryCredentials } from '../../src/client/temporary-credentials.js';
import { InputError } from '../../src/errors.js';

const ISSUER = { clientId: 'def/ghi@XXX', accessToken: 'tokenABCDEFGH' };
const SEED = 'JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ';
const START = Date.parse('2015-08-07T16:26:51.744Z');
const EXPIRY = Date.parse('2015-08-08T16:26:51.744Z');
const SCOPES = ['scope/asd:fhjdf/X', 'scope/asd:fhjdf/XYZ*'];
const TEMP_ACCESS_TOKEN = 'R4OVHWpIvy6KsqS4AWE51QwbvgLvsstS6e6UW8IfHUY';
const DAY_MS = 24 * 60 * 60 * 1000;

// Known answers of ../shared/vectors (authorizedScopes do not change the certificate).
const VECTORS: readonly { name?: string; clientId: string; certificate: string }[] = [
  {
    clientId: 'def/ghi@XXX',
    certificate: `{"version":1,"scopes":["scope/asd:fhjdf/X","scope/asd:fhjdf/XYZ*"],"start":1438964811744,"expiry":1439051211744,"seed":"${SEED}","signature":"45AlB/hKZZZz4Tf3NaidutasfgBnr4t2AxwBiGDQF9Q="}`,
  },
  {
    name: 'abc/def/ghi',
    clientId: 'abc/def/ghi',
    certificate: `{"version":1,"scopes":["scope/asd:fhjdf/X","scope/asd:fhjdf/XYZ*"],"start":1438964811744,"expiry":1439051211744,"seed":"${SEED}","signature":"nNEaLtZMiw627NuDbF5Z8HDFc57MGWCptXBQSYNFgBk=","issuer":"def/ghi@XXX"}`,
  },
];

describe('createTemporaryCredentials', () => {
  it.each(VECTORS)('reproduces the known certificate for name $name', (vector) => {
    const options = {
      credentials: ISSUER,
      start: new Date(START),
      expiry: EXPIRY,
      scopes: SCOPES,
      seed: SEED,
      ...(vector.name === undefined ? {} : { name: vector.name }),
    };
    expect(createTemporaryCredentials(options)).toEqual({
      clientId: vector.clientId,
      accessToken: TEMP_ACCESS_TOKEN,
      certificate: vector.certificate,
    });
  });

  it('signs the lines without a trailing newline also when scopes are empty', () => {
    const { certificate } = createTemporaryCredentials({
      credentials: ISSUER,
      start: START,
      expiry: EXPIRY,
      scopes: [],
      seed: SEED,
    });
    expect(JSON.parse(certificate as string).signature).toBe(
      'Yj91BKjGmdIhj/ErreQCRyf7jNWZ0AjPsoSbmkb/iL0=',
    );
  });

  it('takes the positional form, with a random seed whose HMAC is the access token', () => {
    const credentials = createTemporaryCredentials(
      ISSUER.clientId,
      ISSUER.accessToken,
      new Date(START),
      new Date(EXPIRY),
      SCOPES,
      'abc/def/ghi',
    );
    const certificate = JSON.parse(credentials.certificate as string);
    expect(credentials.clientId).toBe('abc/def/ghi');
    expect(certificate).toMatchObject({ version: 1, scopes: SCOPES, start: START, expiry: EXPIRY });
    expect(certificate.issuer).toBe(ISSUER.clientId);
    expect(certificate.seed).toHaveLength(44);
    expect(credentials.accessToken).toBe(
      createHmac('sha256', ISSUER.accessToken).update(certificate.seed).digest('base64url'),
    );
    const unnamed = createTemporaryCredentials(
      ISSUER.clientId,
      ISSUER.accessToken,
      START,
      EXPIRY,
      SCOPES,
      '',
    );
    expect(unnamed.clientId).toBe(ISSUER.clientId);
    expect(JSON.parse(unnamed.certificate as string).seed).not.toBe(certificate.seed);
  });

  const BAD: readonly [what: string, change: Record<string, unknown>][] = [
    ['a span over 31 days', { expiry: START + 31 * DAY_MS + 1 }],
    ['an expiry before the start', { expiry: START - 1 }],
    ['issuing from temporary credentials', { credentials: { ...ISSUER, certificate: '{}' } }],
    ['a name equal to the issuer', { name: ISSUER.clientId }],
    ['a non-string scope', { scopes: ['a', 7] }],
    ['scopes that are not a list', { scopes: 'a' }],
    ['an invalid start', { start: 'yesterday' }],
    ['a seed of the wrong length', { seed: 'short' }],
  ];

  it.each(BAD)('refuses %s with an InputError', (_what, change) => {
    const options = {
      credentials: ISSUER,
      start: START,
      expiry: EXPIRY,
      scopes: SCOPES,
      ...change,
    };
    expect(() => createTemporaryCredentials(options as never)).toThrow(InputError);
  });

  it('accepts exactly 31 days', () => {
    expect(() =>
      createTemporaryCredentials({
        credentials: ISSUER,
        start: START,
        expiry: START + 31 * DAY_MS,
        scopes: SCOPES,
      }),
    ).not.toThrow();
  });
});
