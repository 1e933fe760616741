import { describe, expect, it } from 'vitest';
import { type ApiReference, createClient } from '../../src/client/dynamic.js';
import { InputError } from '../../src/errors.js';

const AUTH: ApiReference = {
  serviceName: 'auth',
  apiVersion: 'v1',
  entries: [
    { type: 'function', name: 'ping', method: 'get', route: '/ping', args: [], query: [] },
    {
      type: 'function',
      name: 'client',
      method: 'get',
      route: '/clients/<clientId>',
      args: ['clientId'],
      query: [],
    },
  ],
};

// Known answers of ../shared/vectors, restated, plus the same rule on other roots.
const URLS: readonly [rootUrl: string, method: string, args: unknown[], expected: string][] = [
  ['https://tc.example.com/', 'ping', [], 'https://tc.example.com/api/auth/v1/ping'],
  ['https://tc.example.com', 'ping', [], 'https://tc.example.com/api/auth/v1/ping'],
  ['https://tc.example.com///', 'ping', [], 'https://tc.example.com/api/auth/v1/ping'],
  ['https://example.com/tc/', 'ping', [], 'https://example.com/tc/api/auth/v1/ping'],
  ['https://taskcluster.net', 'ping', [], 'https://auth.taskcluster.net/v1/ping'],
  ['https://taskcluster.net/', 'ping', [], 'https://auth.taskcluster.net/v1/ping'],
  [
    'http://localhost:8080',
    'client',
    ['te/st'],
    'http://localhost:8080/api/auth/v1/clients/te%2Fst',
  ],
  ['https://tc.example.com', 'client', [1337], 'https://tc.example.com/api/auth/v1/clients/1337'],
  [
    'https://tc.example.com',
    'client',
    ['a b?c#d%'],
    'https://tc.example.com/api/auth/v1/clients/a%20b%3Fc%23d%25',
  ],
];

describe('service URLs', () => {
  it.each(URLS)('%s + %s(%j) -> %s', (rootUrl, method, args, expected) => {
    expect(createClient(AUTH, { rootUrl }).buildUrl(method, ...args)).toBe(expected);
  });

  it.each([
    ['no rootUrl', {}],
    ['a rootUrl that is not a URL', { rootUrl: 'tc.example.com' }],
    ['a rootUrl with a query', { rootUrl: 'https://tc.example.com/?x=1' }],
    ['an ftp rootUrl', { rootUrl: 'ftp://tc.example.com' }],
    ['a negative maxRetries', { rootUrl: 'https://tc.example.com', maxRetries: -1 }],
    ['a fractional retries', { rootUrl: 'https://tc.example.com', retries: 1.5 }],
    ['both retries and maxRetries', { rootUrl: 'https://x.example', retries: 1, maxRetries: 1 }],
    ['a negative delayFactor', { rootUrl: 'https://tc.example.com', delayFactor: -1 }],
    ['a delayFactor that is not a number', { rootUrl: 'https://x.example', delayFactor: '100' }],
    ['a randomizationFactor of 1', { rootUrl: 'https://x.example', randomizationFactor: 1 }],
    ['a negative randomizationFactor', { rootUrl: 'https://x.example', randomizationFactor: -0.1 }],
    ['an infinite maxDelay', { rootUrl: 'https://tc.example.com', maxDelay: Infinity }],
    ['a zero timeout', { rootUrl: 'https://tc.example.com', timeout: 0 }],
    [
      'credentials without a token',
      { rootUrl: 'https://x.example', credentials: { clientId: 'a' } },
    ],
    [
      'a clientId that a Hawk header cannot carry',
      { rootUrl: 'https://x.example', credentials: { clientId: 'a"\nb', accessToken: 't' } },
    ],
    [
      'authorizedScopes that are not strings',
      { rootUrl: 'https://x.example', authorizedScopes: [1] },
    ],
  ])('refuses %s with an InputError', (_what, options) => {
    expect(() => createClient(AUTH, options as never)).toThrow(InputError);
  });
});
