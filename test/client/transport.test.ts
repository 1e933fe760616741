/**
 * The default transport (node:http with a keep-alive agent per client): connections are reused,
 * and idle ones never keep the process alive. A plain loopback server that holds idle
 * connections open for a minute, so that a leaked socket would show.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fake } from '../fixtures/fake-service.js';

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const PROGRAM = fileURLToPath(new URL('./fixtures/two-calls.ts', import.meta.url));
/** Far longer than a process takes to exit, far shorter than the server's idle timeout. */
const LINGER_LIMIT_MS = 2_000;

let server: Server;
let rootUrl: string;
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => {
    connections++;
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

/**
 * Runs the program; resolves to how long it lived after printing `answered`, or to undefined if
 * it was still alive {@link LINGER_LIMIT_MS} later (it is then killed).
 */
function lingering(mode?: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [PROGRAM, rootUrl, ...(mode === undefined ? [] : [mode])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let answeredAt: number | undefined;
    let killer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (answeredAt !== undefined || !chunk.includes('answered')) return;
      answeredAt = performance.now();
      killer = setTimeout(() => child.kill(), LINGER_LIMIT_MS);
    });
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (answeredAt === undefined) reject(new Error(`the program exited with ${code} unanswered`));
      else resolve(code === 0 ? performance.now() - answeredAt : undefined);
    });
  });
}

describe('the default transport', () => {
  it('reuses one connection for consecutive calls of a client', async () => {
    const fake = new Fake({ rootUrl, credentials: { clientId: 'c', accessToken: 't' } });
    const before = connections;
    for (let i = 0; i < 5; i++) await fake.getThing('a', i);
    expect(connections - before).toBe(1);
  });

  it('leaves no socket that keeps the process alive', async () => {
    const lived = await lingering();
    expect(lived).toBeDefined();
    expect(lived).toBeLessThan(LINGER_LIMIT_MS);
  }, 30_000);

  it('(control) a socket left open does keep the process alive at this server', async () => {
    expect(await lingering('--hold-socket')).toBeUndefined();
  }, 30_000);
});
