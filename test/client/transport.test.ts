/**
 * The default transport (node:http/https with a keep-alive agent per client): connections are
 * reused, and idle ones never keep the process alive. Plain loopback servers (http, and https
 * with a self-signed certificate) that hold idle connections open for a minute, so that a leaked
 * socket would show.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPT_ENCODING, httpTransport } from '../../src/client/http-transport.js';
import { serviceBase } from '../../src/client/url.js';
import { Fake } from '../fixtures/fake-service.js';
import { selfSignedCertificate } from '../reliability/support/certificate.js';

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const PROGRAM = fileURLToPath(new URL('./fixtures/two-calls.ts', import.meta.url));
/** Far longer than a process takes to exit, far shorter than the server's idle timeout. */
const LINGER_LIMIT_MS = 2_000;

/** Answers every request with its method and path, as JSON. */
function answer(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, path: req.url }));
  });
}

let server: Server;
let rootUrl: string;
let connections = 0;
let tlsServer: Server;
let tlsRootUrl: string;
let certificateDir: string;

/** Listens on loopback, keeping idle connections a minute; resolves to the port. */
async function listen(on: Server): Promise<number> {
  on.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => on.listen(0, '127.0.0.1', resolve));
  return (on.address() as AddressInfo).port;
}

const close = (on: Server) =>
  new Promise<void>((resolve) => {
    on.close(() => resolve());
    on.closeAllConnections();
  });

beforeAll(async () => {
  server = createServer(answer);
  server.on('connection', () => {
    connections++;
  });
  rootUrl = `http://127.0.0.1:${await listen(server)}`;
  const { cert, key } = await selfSignedCertificate();
  certificateDir = await mkdtemp(join(tmpdir(), 'transport-tls-'));
  await writeFile(join(certificateDir, 'cert.pem'), cert);
  tlsServer = createHttpsServer({ cert, key }, answer);
  tlsRootUrl = `https://localhost:${await listen(tlsServer)}`;
});
afterAll(async () => {
  await Promise.all([close(server), close(tlsServer)]);
  await rm(certificateDir, { recursive: true, force: true });
});

/** How long the program lived after its answers, which it printed; undefined if it lingered. */
interface Run {
  lived: number | undefined;
  output: string;
}

/**
 * Runs the program against `root`; `lived` is undefined if it was still alive
 * {@link LINGER_LIMIT_MS} after printing its answers (it is then killed).
 */
function lingering(root: string, mode?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [PROGRAM, root, ...(mode === undefined ? [] : [mode])], {
      stdio: ['ignore', 'pipe', 'inherit'],
      // Trusts the self-signed certificate of the https server.
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(certificateDir, 'cert.pem') },
    });
    let output = '';
    let answeredAt: number | undefined;
    let killer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (answeredAt !== undefined || !output.includes('answered')) return;
      answeredAt = performance.now();
      killer = setTimeout(() => child.kill(), LINGER_LIMIT_MS);
    });
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (answeredAt === undefined) reject(new Error(`the program exited with ${code} unanswered`));
      else resolve({ lived: code === 0 ? performance.now() - answeredAt : undefined, output });
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

  it("shares an origin's connections between its clients: a client made per call opens none", async () => {
    // A server of its own, so that no earlier test's idle connection counts.
    const own = createServer(answer);
    let opened = 0;
    own.on('connection', () => {
      opened++;
    });
    const ownRoot = `http://127.0.0.1:${await listen(own)}`;
    try {
      for (let i = 0; i < 5; i++) {
        const fake = new Fake({
          rootUrl: ownRoot,
          credentials: { clientId: 'c', accessToken: 't' },
        });
        await fake.getThing('a', i);
      }
      expect(opened).toBe(1);
    } finally {
      await close(own);
    }
  });

  it('resolves to a network failure, never throws, when Node refuses to send a request', async () => {
    const send = httpTransport(serviceBase(rootUrl, 'fake', 'v1'));
    const request = { method: 'GET', headers: {}, body: undefined, timeout: 1_000 };
    await expect(send({ ...request, resource: '/unescaped path' })).resolves.toMatchObject({
      ok: false,
      reason: 'network',
      cause: { code: 'ERR_UNESCAPED_CHARACTERS' },
    });
    await expect(send({ ...request, resource: '/ok' })).resolves.toMatchObject({
      ok: true,
      status: 200,
      text: '{"method":"GET","path":"/ok"}',
    });
  });

  it.each([
    ['http', () => rootUrl],
    ['https', () => tlsRootUrl],
  ])(
    'leaves no socket that keeps the process alive (%s)',
    async (_, root) => {
      const { lived, output } = await lingering(root());
      expect(output).toContain('{"method":"GET","path":"/api/fake/v1/things/b/versions/2"}');
      expect(lived).toBeDefined();
      expect(lived).toBeLessThan(LINGER_LIMIT_MS);
    },
    30_000,
  );

  it('(control) a socket left open does keep the process alive at this server', async () => {
    expect((await lingering(rootUrl, '--hold-socket')).lived).toBeUndefined();
  }, 30_000);
});

/** A JSON answer large enough to arrive in many chunks, compressed or not. */
const LARGE = JSON.stringify({
  tasks: Array.from({ length: 2_000 }, (_, i) => ({ taskId: `task-${i}`, state: 'completed' })),
});

/** The body of each `Content-Encoding` the compressing server sends (by the request's path). */
const ENCODED: Record<string, Buffer> = {
  gzip: gzipSync(LARGE),
  'x-gzip': gzipSync(LARGE),
  deflate: deflateSync(LARGE),
  br: brotliCompressSync(LARGE),
  identity: Buffer.from(LARGE),
  corrupt: Buffer.concat([gzipSync(LARGE).subarray(0, 200), Buffer.alloc(200, 7)]),
  compress: gzipSync(LARGE),
};

describe('compressed answers of the default transport', () => {
  let compressing: Server;
  let send: ReturnType<typeof httpTransport>;
  const acceptEncoding: (string | undefined)[] = [];
  beforeAll(async () => {
    compressing = createServer((req, res) => {
      acceptEncoding.push(req.headers['accept-encoding']);
      const coding = (req.url ?? '/').slice(1);
      req.resume();
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': coding === 'corrupt' ? 'gzip' : coding,
      });
      res.end(ENCODED[coding]);
    });
    const port = await listen(compressing);
    send = httpTransport(serviceBase(`http://127.0.0.1:${port}`, 'fake', 'v1'));
  });
  afterAll(() => close(compressing));
  const get = (resource: string) =>
    send({ method: 'GET', resource, headers: {}, body: undefined, timeout: 5_000 });

  it.each(['gzip', 'x-gzip', 'deflate', 'br', 'identity'])(
    'a %s answer is decoded to its text',
    async (coding) => {
      acceptEncoding.length = 0;
      await expect(get(`/${coding}`)).resolves.toEqual({ ok: true, status: 200, text: LARGE });
      expect(acceptEncoding).toEqual([ACCEPT_ENCODING]);
    },
  );

  it.each([
    ['corrupt', 'a corrupt compressed body'],
    ['compress', 'a coding not asked for'],
  ])('%s: %s is a network failure, not a wrong text', async (path) => {
    await expect(get(`/${path}`)).resolves.toMatchObject({ ok: false, reason: 'network' });
  });
});
