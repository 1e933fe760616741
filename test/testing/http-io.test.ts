import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from '../../src/testing/http-io.js';

/** A real server on loopback whose requests are read by readBody; resolves to what it read. */
async function serveOnce(): Promise<{
  port: number;
  read: Promise<{ ok: true; body: Buffer } | { ok: false; error: unknown }>;
  close: () => Promise<void>;
}> {
  let settle!: (outcome: { ok: true; body: Buffer } | { ok: false; error: unknown }) => void;
  const read = new Promise<{ ok: true; body: Buffer } | { ok: false; error: unknown }>(
    (resolve) => {
      settle = resolve;
    },
  );
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        settle({ ok: true, body });
        res.end();
      },
      (error: unknown) => settle({ ok: false, error }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    read,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeServer?.();
  closeServer = undefined;
});

describe('readBody', () => {
  it.each([
    ['empty', []],
    ['one chunk', ['{"a":1}']],
    ['many chunks', ['{"revisions":[', '"a",'.repeat(20_000), '"b"]}']],
  ])('reads a %s body whole', async (_name, chunks) => {
    const server = await serveOnce();
    closeServer = server.close;
    const sent = chunks.join('');
    const req = request({ port: server.port, host: '127.0.0.1', method: 'POST' });
    req.on('response', (res) => res.resume());
    for (const chunk of chunks) req.write(chunk);
    req.end();
    const outcome = await server.read;
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.body.toString('utf8')).toBe(sent);
  });

  it('rejects a body cut short by the client going away', async () => {
    const server = await serveOnce();
    closeServer = server.close;
    const req = request({
      port: server.port,
      host: '127.0.0.1',
      method: 'POST',
      headers: { 'content-length': '1000' },
    });
    req.on('error', () => {});
    req.write('{"partial":', () => setTimeout(() => req.destroy(), 50));
    const outcome = await server.read;
    expect(outcome.ok).toBe(false);
  });
});
