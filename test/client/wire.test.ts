import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fake } from '../fixtures/fake-service.js';

// Header-level facts that the Hawk-verifying server does not record: a plain loopback server
// that keeps each request's headers and body.
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let rootUrl: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url?.endsWith('/content')) {
        res.writeHead(303, { location: '/elsewhere', 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: '/elsewhere' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rootUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

describe('what goes on the wire', () => {
  it('a bodiless POST carries Content-Length: 0 and no content type', async () => {
    await new Fake({ rootUrl, credentials: { clientId: 'c', accessToken: 't' } }).touchThing('x');
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', body: '' });
    expect(request.headers['content-length']).toBe('0');
    expect(request.headers['content-type']).toBeUndefined();
    expect(request.headers.authorization).toMatch(/^Hawk id="c", ts="\d+", nonce="[^"]+", mac="/);
  });

  it('a payload is JSON, serialized once, with its hash in the Hawk header', async () => {
    const payload = { name: 'ü', size: 3 };
    await new Fake({ rootUrl, credentials: { clientId: 'c', accessToken: 't' } }).updateThing(
      'x',
      payload,
    );
    const request = seen.at(-1)!;
    expect(request.body).toBe(JSON.stringify(payload));
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength(request.body)));
    expect(request.headers.authorization).toMatch(/ hash="[^"]+"/);
  });

  it('without credentials there is no Authorization header', async () => {
    await new Fake({ rootUrl }).ping();
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('a 303 is not followed: its JSON body is the answer', async () => {
    const before = seen.length;
    await expect(new Fake({ rootUrl }).fetchThing('x')).resolves.toEqual({ url: '/elsewhere' });
    expect(seen.length).toBe(before + 1);
  });

  it('sends through an injected fetch', async () => {
    const urls: string[] = [];
    const counting: typeof fetch = (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    };
    await new Fake({ rootUrl, fetch: counting }).getThing('a', 1);
    expect(urls).toEqual([`${rootUrl}/api/fake/v1/things/a/versions/1`]);
  });
});
