/**
 * `npm run generate -- --from <rootUrl>`: against the simulated deployment, the documents
 * written are what it served and generate again as they did; a deployment serving the
 * committed `references/current/` gets it back byte for byte, and the committed generated code;
 * an unreachable deployment, a missing manifest, a document that is not JSON, a failed request
 * half-way or references the generator refuses stop it with the previous set untouched.
 */

import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GeneratorCheckError } from '../../scripts/generator/checks.js';
import { refreshReferences } from '../../scripts/generator/refresh.js';
import {
  CURRENT_REFERENCES,
  DeploymentError,
  LEGACY_SERVICES,
  ORIGIN_FILE,
  ReferenceInputError,
  SEED_REFERENCES,
} from '../../scripts/generator/sources.js';
import { documentText, writeReferenceSet } from '../../scripts/generator/write-references.js';
import { startTaskclusterServer, type TaskclusterServer } from '../../src/testing/server.js';
import { type CliResult, runScript } from '../cli/run-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REFERENCES = join(ROOT, 'references');
// The route keys of the simulated deployment's references and schemas, for faults.
const REFERENCE_ROUTE = 'GET /references/<service>/v1/<file>';
const SCHEMA_ROUTE = 'GET /schemas/<service>/v1/<file>';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tc-pulse-refresh-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A references folder whose seed-era and legacy sets are the repository's. */
async function referencesFolder(): Promise<string> {
  const folder = await mkdtemp(join(scratch, 'references-'));
  for (const set of [SEED_REFERENCES, LEGACY_SERVICES]) {
    await symlink(join(REFERENCES, set), join(folder, set));
  }
  return folder;
}

/** Every file below a folder, by path relative to it, with its text. */
async function filesOf(folder: string): Promise<Map<string, string>> {
  const names = (await readdir(folder, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort();
  return new Map(
    await Promise.all(
      names.map(async (name) => [name, await readFile(join(folder, name), 'utf8')] as const),
    ),
  );
}

function runGenerate(args: readonly string[]): Promise<CliResult> {
  return runScript('scripts/generate.ts', args);
}

/** A port nothing listens on: one just closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Each case starts the generator (tsx) once or twice: slow on a loaded machine.
describe('npm run generate -- --from, against the simulated deployment', {
  timeout: 120_000,
}, () => {
  let server: TaskclusterServer;
  beforeAll(async () => {
    server = await startTaskclusterServer();
  });
  afterAll(() => server.close());

  it('writes what the deployment served, then generates from it', async () => {
    const references = await referencesFolder();
    const out = join(scratch, 'out');
    const before = new Date().toISOString().slice(0, 10);
    const result = await runGenerate([
      '--from',
      `${server.rootUrl}/`,
      '--references',
      references,
      '--out',
      out,
    ]);
    const after = new Date().toISOString().slice(0, 10);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^wrote \d+ documents of http:\/\/127\.0\.0\.1:\d+ to .*current\nwrote \d+ files\n$/,
    );

    const written = await filesOf(join(references, CURRENT_REFERENCES));
    const origin = JSON.parse(written.get(ORIGIN_FILE)!) as { origin: string; taken: string };
    expect(origin.origin).toBe(server.rootUrl);
    expect(origin.taken >= before && origin.taken <= after).toBe(true);
    written.delete(ORIGIN_FILE);
    const served = [
      ...new Set(
        server.requests
          .filter((request) => request.method === 'GET' && request.status === 200)
          .map((request) => request.path.slice(1)),
      ),
    ].sort();
    expect([...written.keys()]).toEqual(served);
    expect(served).toContain('references/queue/v1/exchanges.json');
    expect(served).toContain('schemas/queue/v1/task-status.json');
    for (const [path, text] of written) {
      const response = await fetch(`${server.rootUrl}/${path}`);
      const document = (await response.json()) as Parameters<typeof documentText>[0];
      expect(JSON.parse(text), path).toEqual(document);
      expect(text).toBe(documentText(document));
    }

    const queue = await readFile(join(out, 'src/client/generated/queue.ts'), 'utf8');
    expect(queue).toContain(
      "createTask: ApiMethod<{\n    args: ['taskId'];\n    input: SimulatedPayload;",
    );
    const events = await readFile(join(out, 'src/exchanges/generated/queue-events.ts'), 'utf8');
    expect(events).toContain('taskDefined: ExchangeMethod<');
    expect(events).not.toContain('taskPriorityChanged');

    // What was written generates what was generated.
    const check = await runGenerate(['--check', '--references', references, '--out', out]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^\d+ generated files are up to date\n$/);
  });

  it('exits non-zero, naming the URL, when the deployment is unreachable', async () => {
    const references = await referencesFolder();
    const port = await closedPort();
    const result = await runGenerate([
      '--from',
      `http://127.0.0.1:${port}`,
      '--references',
      references,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `GET http://127.0.0.1:${port}/references/manifest.json: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
    expect(await readdir(references)).toEqual([LEGACY_SERVICES, SEED_REFERENCES]);
  });

  it('refuses --from with --check', async () => {
    const result = await runGenerate(['--from', server.rootUrl, '--check']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/option '--from <rootUrl>' cannot be used with option '--check'/);
  });
});

describe('a failed refresh leaves the current references as they were', () => {
  let server: TaskclusterServer;
  let references: string;
  let previous: Map<string, string>;

  // A deployment per case: the requests a failed refresh left under way reach no other case.
  beforeEach(async () => {
    server = await startTaskclusterServer();
    references = await referencesFolder();
    await writeReferenceSet(
      join(references, CURRENT_REFERENCES),
      new Map([['references/manifest.json', { references: [] }]]),
      { origin: 'an earlier refresh', taken: '2026-01-01' },
    );
    previous = await filesOf(join(references, CURRENT_REFERENCES));
  });
  afterEach(() => server.close());

  async function expectUnchanged(): Promise<void> {
    expect(await filesOf(join(references, CURRENT_REFERENCES))).toEqual(previous);
    // No staging folder left beside it.
    expect((await readdir(references)).sort()).toEqual(
      [CURRENT_REFERENCES, LEGACY_SERVICES, SEED_REFERENCES].sort(),
    );
  }

  it('when the deployment is unreachable', async () => {
    const port = await closedPort();
    const refresh = refreshReferences(`http://127.0.0.1:${port}`, references);
    await expect(refresh).rejects.toBeInstanceOf(DeploymentError);
    await expect(refresh).rejects.toMatchObject({ code: 'unreachable', message: /ECONNREFUSED/ });
    await expectUnchanged();
  });

  it('when the root URL serves no manifest', async () => {
    const refresh = refreshReferences(`${server.rootUrl}/api/queue/v1`, references);
    await expect(refresh).rejects.toMatchObject({
      name: 'DeploymentError',
      code: 'no-manifest',
      status: 404,
      message: `${server.rootUrl}/api/queue/v1 serves no references/manifest.json (HTTP 404): is it the root URL of a Taskcluster deployment?`,
    });
    await expectUnchanged();
  });

  it('when a reference is not JSON', async () => {
    server.injectFaults(REFERENCE_ROUTE, { type: 'non-json', status: 200 });
    const refresh = refreshReferences(server.rootUrl, references);
    await expect(refresh).rejects.toMatchObject({
      code: 'not-json',
      message: expect.stringMatching(
        /^GET http:\/\/127\.0\.0\.1:\d+\/references\/[a-z]+\/v1\/\w+\.json: the answer is not JSON \(/,
      ),
    });
    await expectUnchanged();
  });

  it('when a schema request fails half-way through', async () => {
    server.injectFaults(SCHEMA_ROUTE, { type: 'status', status: 503 });
    await expect(refreshReferences(server.rootUrl, references)).rejects.toMatchObject({
      code: 'http-status',
      status: 503,
      message: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/schemas\/\S+: HTTP 503$/),
    });
    await expectUnchanged();
  });

  it('when the connection breaks half-way through', async () => {
    server.injectFaults(SCHEMA_ROUTE, { type: 'reset' });
    await expect(refreshReferences(server.rootUrl, references)).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/schemas\/\S+: /),
    });
    await expectUnchanged();
  });

  it('when the manifest lists a path outside /references/', async () => {
    server.plainRoute('GET', '/references/manifest.json', () => ({
      json: { references: ['/references/queue/v1/api.json', '/references/../../outside.json'] },
    }));
    const refresh = refreshReferences(server.rootUrl, references);
    await expect(refresh).rejects.toBeInstanceOf(ReferenceInputError);
    await expect(refresh).rejects.toThrow(
      /"\/references\/\.\.\/\.\.\/outside\.json" is not a \/references\/\.\.\.\/<name>\.json path/,
    );
    await expectUnchanged();
  });

  it('when the generator refuses the references', async () => {
    server.route('queue', 'get', '/odd', () => ({ json: {} }), { name: 'not-an-identifier' });
    const refresh = refreshReferences(server.rootUrl, references);
    await expect(refresh).rejects.toBeInstanceOf(GeneratorCheckError);
    await expect(refresh).rejects.toThrow(
      /queue\.not-an-identifier: the name is not an identifier/,
    );
    await expectUnchanged();
  });

  it('when a document cannot be written, removing what it had written', async () => {
    const documents = new Map([
      ['references/manifest.json', { references: [] }],
      ['../outside.json', {}],
    ]);
    const write = writeReferenceSet(join(references, CURRENT_REFERENCES), documents, {
      origin: server.rootUrl,
      taken: '2026-01-02',
    });
    await expect(write).rejects.toThrow('"../outside.json" is not a document path');
    await expectUnchanged();
  });
});

describe('the committed current references', () => {
  let deployment: Server;
  let rootUrl: string;
  beforeAll(async () => {
    // A deployment that serves the committed set at its paths, as Taskcluster would.
    const current = join(REFERENCES, CURRENT_REFERENCES);
    deployment = createServer((req, res) => {
      readFile(join(current, ...req.url!.split('/').filter((part) => part !== '..')))
        .then((body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body))
        .catch(() => res.writeHead(404).end('{}'));
    });
    await new Promise<void>((resolve) => deployment.listen(0, '127.0.0.1', resolve));
    rootUrl = `http://127.0.0.1:${(deployment.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => deployment.close(resolve)));

  it('are what a refresh from a deployment serving them writes, and generate the committed code', async () => {
    const references = await referencesFolder();
    const { files } = await refreshReferences(rootUrl, references);
    const committed = await filesOf(join(REFERENCES, CURRENT_REFERENCES));
    const written = await filesOf(join(references, CURRENT_REFERENCES));
    committed.delete(ORIGIN_FILE);
    written.delete(ORIGIN_FILE);
    expect([...written.keys()]).toEqual([...committed.keys()]);
    for (const [path, text] of written) expect(text, path).toBe(committed.get(path));
    for (const [path, content] of files) {
      expect(content, path).toBe(await readFile(join(ROOT, path), 'utf8'));
    }
  });
});
