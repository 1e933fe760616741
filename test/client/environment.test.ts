import { describe, expect, it } from 'vitest';
import { optionsFromEnvironment } from '../../src/client/environment.js';
import { InputError } from '../../src/errors.js';

const ROOT = 'https://tc.example.com';

describe('optionsFromEnvironment', () => {
  it('reads the four variables', () => {
    expect(
      optionsFromEnvironment(
        {},
        {
          TASKCLUSTER_ROOT_URL: ROOT,
          TASKCLUSTER_CLIENT_ID: 'id',
          TASKCLUSTER_ACCESS_TOKEN: 'token',
          TASKCLUSTER_CERTIFICATE: '{"version":1}',
        },
      ),
    ).toEqual({
      rootUrl: ROOT,
      credentials: { clientId: 'id', accessToken: 'token', certificate: '{"version":1}' },
    });
  });

  it('ignores empty variables and merges over the defaults key by key, credentials field by field', () => {
    expect(
      optionsFromEnvironment(
        {
          rootUrl: 'https://default.example',
          maxRetries: 2,
          credentials: { clientId: 'd', accessToken: 'dt' },
        },
        {
          TASKCLUSTER_ROOT_URL: '',
          TASKCLUSTER_ACCESS_TOKEN: 'env-token',
          TASKCLUSTER_CLIENT_ID: '',
        },
      ),
    ).toEqual({
      rootUrl: 'https://default.example',
      maxRetries: 2,
      credentials: { clientId: 'd', accessToken: 'env-token' },
    });
  });

  it('gives no credentials when none are set', () => {
    expect(optionsFromEnvironment({}, { TASKCLUSTER_ROOT_URL: ROOT })).toEqual({ rootUrl: ROOT });
  });

  it('throws an InputError when no root URL is known', () => {
    expect(() => optionsFromEnvironment({}, {})).toThrow(InputError);
  });
});
