import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, loadReferences } from '../../src/client/dynamic.js';
import { InputError } from '../../src/errors.js';
import type { ApiServer } from '../../src/testing/api-server.js';
import { fakeTable } from '../fixtures/fake-service.js';
import { PERMANENT, startFakeServer } from '../fixtures/fake-service-server.js';

// The fake service's table as a deployment serves it: `function` entries among other fields.
const FAKE_REFERENCE = {
  $schema: '/schemas/common/api-reference-v0.json#',
  serviceName: fakeTable.serviceName,
  apiVersion: fakeTable.apiVersion,
  title: fakeTable.title,
  entries: fakeTable.entries.map((entry) => ({
    ...entry,
    type: 'function',
    method: entry.method,
    description: 'prose',
  })),
};
const EXCHANGES_REFERENCE = {
  serviceName: 'fake',
  apiVersion: 'v1',
  exchangePrefix: 'exchange/fake/v1/',
  entries: [{ type: 'topic-exchange', name: 'thingCreated', exchange: 'thing-created' }],
};

let server: ApiServer;

beforeAll(async () => {
  server = await startFakeServer();
  server.plainRoute('GET', '/references/manifest.json', () => ({
    json: { references: ['/references/fake/v1/api.json', '/references/fake/v1/exchanges.json'] },
  }));
  server.plainRoute('GET', '/references/fake/v1/api.json', () => ({ json: FAKE_REFERENCE }));
  server.plainRoute('GET', '/references/fake/v1/exchanges.json', () => ({
    json: EXCHANGES_REFERENCE,
  }));
});
afterAll(() => server.close());

describe('clients from references loaded at run time', () => {
  it('loads the API references of a deployment and calls them with the same runtime', async () => {
    const references = await loadReferences({ rootUrl: server.rootUrl });
    expect(references.map((reference) => reference.serviceName)).toEqual(['fake']);
    const fake = createClient(references[0]!, { rootUrl: server.rootUrl, credentials: PERMANENT });
    await expect(fake.getThing!('x', 2)).resolves.toEqual({ thingId: 'x', version: '2' });
    await expect(fake.updateThing!({ name: 'n' }, { thingId: 't' })).resolves.toEqual({
      thingId: 't',
      received: { name: 'n' },
    });
    expect(server.requests.at(-1)?.auth).toBe('hawk');
    const things: unknown[] = [];
    for await (const thing of fake.paginate('listThings', 'g').items()) things.push(thing);
    expect(things).toHaveLength(3);
    await expect(fake.getThing!('only-one')).rejects.toBeInstanceOf(InputError);
  });

  it('refuses a document that is not an API reference', () => {
    expect(() => createClient(EXCHANGES_REFERENCE as never, { rootUrl: server.rootUrl })).toThrow(
      InputError,
    );
  });
});
