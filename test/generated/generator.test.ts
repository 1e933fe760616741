import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeneratorCheckError } from '../../scripts/generator/checks.js';
import { generateFiles } from '../../scripts/generator/generate-files.js';
import type { Json, ReferenceSet } from '../../scripts/generator/model.js';
import {
  CURRENT_REFERENCES,
  fetchDeployment,
  LEGACY_SERVICES,
  loadReferenceFolder,
  parseReferenceDocuments,
  SEED_REFERENCES,
} from '../../scripts/generator/sources.js';
import { writeReferenceSet } from '../../scripts/generator/write-references.js';

/** A small deployment: one service with an API and exchanges, schemas with `$ref`s. */
function demoFiles(): { filename: string; content: Json }[] {
  return [
    {
      filename: 'references/demo/v1/api.json',
      content: {
        serviceName: 'demo',
        apiVersion: 'v1',
        title: 'Demo Service',
        entries: [
          {
            type: 'function',
            name: 'ping',
            method: 'get',
            route: '/ping',
            args: [],
            query: [],
            stability: 'stable',
            title: 'Ping',
          },
          {
            type: 'function',
            name: 'createThing',
            method: 'put',
            route: '/thing/<thingId>',
            args: ['thingId'],
            query: [],
            input: 'v1/create-thing.json#',
            output: 'v1/thing.json#',
            scopes: {
              AllOf: ['demo:create:<thingId>', { each: 'demo:tag:<tag>', for: 'tag', in: 'tags' }],
            },
            stability: 'experimental',
            title: 'Create Thing',
          },
          {
            type: 'function',
            name: 'listThings',
            method: 'get',
            route: '/things',
            args: [],
            query: ['continuationToken', 'limit'],
            output: 'v1/thing-list.json#',
            stability: 'deprecated',
            title: 'List Things',
          },
        ],
      },
    },
    {
      filename: 'references/demo/v1/exchanges.json',
      content: {
        serviceName: 'demo',
        apiVersion: 'v1',
        title: 'Demo Exchanges',
        exchangePrefix: 'exchange/demo/v1/',
        entries: [
          {
            type: 'topic-exchange',
            name: 'thingCreated',
            exchange: 'thing-created',
            routingKey: [
              { name: 'routingKeyKind', constant: 'primary', required: true, multipleWords: false },
              { name: 'thingId', required: true, multipleWords: false },
              { name: 'reserved', required: false, multipleWords: true },
            ],
            schema: 'v1/thing-message.json#',
            title: 'Thing Created',
          },
        ],
      },
    },
    {
      filename: 'schemas/demo/v1/thing.json',
      content: {
        $id: '/schemas/demo/v1/thing.json#',
        title: 'Thing',
        type: 'object',
        properties: {
          thingId: { type: 'string', title: 'Thing Id' },
          kind: { enum: ['small', 'large'] },
          tags: { type: 'object', additionalProperties: { type: 'string' } },
          children: { type: 'array', items: { $ref: 'thing.json#' } },
          owner: { $ref: '#/definitions/owner' },
          'odd-name': { type: ['string', 'null'] },
        },
        required: ['thingId', 'kind'],
        additionalProperties: false,
        definitions: {
          owner: {
            type: 'object',
            properties: { email: { type: 'string' } },
            additionalProperties: false,
          },
        },
      },
    },
    {
      filename: 'schemas/demo/v1/create-thing.json',
      content: {
        $id: '/schemas/demo/v1/create-thing.json#',
        title: 'Create Thing',
        type: 'object',
        properties: { kind: { type: 'string' }, size: { type: 'integer' } },
        oneOf: [{ required: ['kind'] }, { required: ['size'] }],
        additionalProperties: false,
      },
    },
    {
      filename: 'schemas/demo/v1/thing-list.json',
      content: {
        $id: '/schemas/demo/v1/thing-list.json#',
        type: 'object',
        properties: {
          things: { type: 'array', items: { $ref: './thing.json#' } },
          continuationToken: { type: 'string' },
        },
        required: ['things'],
        additionalProperties: false,
      },
    },
    {
      filename: 'schemas/demo/v1/thing-message.json',
      content: {
        $id: '/schemas/demo/v1/thing-message.json#',
        type: 'object',
        properties: { thing: { $ref: 'thing.json#' }, version: { const: 1 } },
        required: ['thing', 'version'],
        additionalProperties: false,
      },
    },
  ];
}

/** The files as documents by path, as a deployment serves them and a set's folder holds them. */
function documents(files: { filename: string; content: Json }[]): Map<string, Json> {
  return new Map(files.map((file) => [file.filename, file.content]));
}

function referenceSet(files = demoFiles()): ReferenceSet {
  return parseReferenceDocuments(documents(files), 'demo');
}

describe('the generator', () => {
  it('is deterministic, whatever the order of its input', () => {
    const once = generateFiles(referenceSet());
    const again = generateFiles(referenceSet());
    expect([...again.entries()]).toEqual([...once.entries()]);
    const shuffled = referenceSet();
    const reversed: ReferenceSet = {
      ...shuffled,
      apis: shuffled.apis.map((api) => ({ ...api, entries: [...api.entries].reverse() })),
      schemas: new Map([...shuffled.schemas.entries()].reverse()),
    };
    expect([...generateFiles(reversed).entries()]).toEqual([...once.entries()]);
  });

  it('writes headed modules and a README in each folder', () => {
    const files = generateFiles(referenceSet());
    expect([...files.keys()]).toEqual([
      'src/client/generated/README.md',
      'src/client/generated/catalog.ts',
      'src/client/generated/demo.ts',
      'src/client/generated/json.ts',
      'src/exchanges/generated/README.md',
      'src/exchanges/generated/catalog.ts',
      'src/exchanges/generated/demo-events.ts',
      'src/exchanges/generated/demo-message-schemas.ts',
      'src/exchanges/generated/message-schemas.ts',
      'src/testing/generated/README.md',
      'src/testing/generated/api-schemas.ts',
      'src/testing/generated/demo-api-schemas.ts',
    ]);
    for (const [path, text] of files) {
      if (path.endsWith('.ts'))
        expect(text.startsWith('// generated by scripts/generate.ts, do not edit\n')).toBe(true);
      else expect(text).toMatch(/do not edit/);
    }
  });

  it('lists the current services and every exchange service in the catalogs', () => {
    const files = generateFiles(referenceSet());
    expect(files.get('src/client/generated/catalog.ts')).toContain(
      "import { Demo } from './demo.js';",
    );
    expect(files.get('src/client/generated/catalog.ts')).toMatch(
      /restServiceClasses = \{\n {2}demo: Demo,\n\}/,
    );
    expect(files.get('src/exchanges/generated/catalog.ts')).toMatch(
      /eventsClasses = \{\n {2}demo: DemoEvents,\n\}/,
    );
  });

  it('derives types from the schemas, following $refs', () => {
    const client = generateFiles(referenceSet()).get('src/client/generated/demo.ts')!;
    expect(client).toContain('export type Thing = {');
    expect(client).toContain('  children?: Thing[];');
    expect(client).toContain("  kind: 'small' | 'large';");
    expect(client).toContain("  'odd-name'?: string | null;");
    expect(client).toContain('  owner?: ThingOwner;');
    expect(client).toContain('export type ThingOwner = {\n  email?: string;\n};');
    expect(client).toMatch(/tags\?: \{\n {4}\[key: string\]: string;\n {2}\};/);
    // A oneOf of `required` constraints admits every value of the base type.
    expect(client).toContain('export type CreateThing = {\n  kind?: string;\n  size?: number;\n};');
    expect(client).toContain('  things: Thing[];');
    expect(client).toMatch(
      /createThing: ApiMethod<\{\n {4}args: \['thingId'\];\n {4}input: CreateThing;\n {4}output: Thing;\n {4}query: never;/,
    );
    expect(client).toMatch(
      /listThings: ApiMethod<\{\n {4}args: \[\];\n {4}input: undefined;\n {4}output: ThingList;\n {4}query: 'continuationToken' \| 'limit';/,
    );
    expect(client).toMatch(/ping: ApiMethod<\{[^}]*output: JsonValue \| undefined;/);
    expect(client).toContain('`demo:tag:<tag>` for each `tag` in `tags`');
    expect(client).toContain('@deprecated Marked deprecated');
    expect(client).toContain('export const Demo = defineService<DemoMethods>(demoTable);');
    expect(client).not.toMatch(/\bany\b/);
  });

  it('types messages, imports shared types and writes routing fields', () => {
    const events = generateFiles(referenceSet()).get('src/exchanges/generated/demo-events.ts')!;
    expect(events).toContain("import type { Thing } from '../../client/generated/demo.js';");
    expect(events).toContain('export type ThingMessage = {\n  thing: Thing;\n  version: 1;\n};');
    expect(events).toMatch(
      /routingKeyKind: 'primary';\n\s+thingId: string;\n\s+reserved: string \| undefined;/,
    );
    expect(events).toContain(
      'export const DemoEvents = defineEvents<DemoEventsMethods>(demoEventsTable);',
    );
  });

  it('writes the message schemas as data: by $id, without descriptions, with fields in the payload', () => {
    const files = demoFiles();
    const thing = files.find((file) => file.filename === 'schemas/demo/v1/thing.json')!;
    Object.assign(thing.content as object, {
      $schema: 'http://json-schema.org/draft-06/schema#',
      description: 'Long prose about things',
    });
    const generated = generateFiles(referenceSet(files));
    const module = generated.get('src/exchanges/generated/demo-message-schemas.ts')!;
    expect(module).toContain("import type { MessageSchemas } from '../types.js';");
    expect(module).toMatch(
      /thingCreated: \{\n\s+schema: '\/schemas\/demo\/v1\/thing-message\.json#',\n\s+fields: \{\n\s+thingId: \{\n\s+path: \['thing', 'thingId'\],\n\s+type: 'string',/,
    );
    // The message schema and the one it references, sorted by $id; the API's others left out.
    expect([...module.matchAll(/^ {4}'(\/schemas\/[^']+)': \{$/gm)].map((m) => m[1])).toEqual([
      '/schemas/demo/v1/thing-message.json#',
      '/schemas/demo/v1/thing.json#',
    ]);
    expect(module).not.toContain('Long prose');
    expect(module).not.toContain('draft-06');
    const index = generated.get('src/exchanges/generated/message-schemas.ts')!;
    expect(index).toContain("(await import('./demo-message-schemas.js')).messageSchemas");
  });

  it('writes the API schemas as data: what the methods name and reference, by $id', () => {
    const files = demoFiles();
    const thing = files.find((file) => file.filename === 'schemas/demo/v1/thing.json')!;
    Object.assign(thing.content as object, { description: 'Long prose about things' });
    const generated = generateFiles(referenceSet(files));
    const module = generated.get('src/testing/generated/demo-api-schemas.ts')!;
    expect(module).toContain("import type { JsonSchema } from '../../exchanges/types.js';");
    const ids = [...module.matchAll(/^ {4}'(\/schemas\/[^']+)': \{$/gm)].map((m) => m[1]);
    // Every input and output schema, sorted by $id; the message schema no method names is not.
    expect(ids).toContain('/schemas/demo/v1/thing.json#');
    expect(ids).toContain('/schemas/demo/v1/create-thing.json#');
    expect(ids).not.toContain('/schemas/demo/v1/thing-message.json#');
    expect(ids).toEqual([...ids].sort());
    expect(module).not.toContain('Long prose');
    const index = generated.get('src/testing/generated/api-schemas.ts')!;
    expect(index).toContain("(await import('./demo-api-schemas.js')).apiSchemas");
  });

  it('refuses a message schema that refers outside the deployment', () => {
    const files = demoFiles();
    const message = files.find((file) => file.filename === 'schemas/demo/v1/thing-message.json')!;
    (message.content as { properties: Record<string, Json> }).properties.extra = {
      $ref: 'https://example.com/other.json#',
    };
    expect(() => generateFiles(referenceSet(files))).toThrow(/outside the deployment/);
  });

  it('fails loudly, naming every entry that breaks an assumption of the runtime', () => {
    const files = demoFiles();
    const api = files[0]!.content as { entries: Record<string, Json>[] };
    api.entries.push(
      {
        type: 'function',
        name: 'badRoute',
        method: 'get',
        route: '/a/<x>/<y>',
        args: ['y', 'x'],
        query: [],
        stability: 'stable',
        title: 'B',
      },
      {
        type: 'function',
        name: 'ambiguous',
        method: 'post',
        route: '/a',
        args: [],
        query: [],
        input: 'v1/wrapped.json#',
        stability: 'stable',
        title: 'A',
      },
      {
        type: 'function',
        name: 'optionLikeQuery',
        method: 'get',
        route: '/b/<id>',
        args: ['id'],
        query: ['limit', 'query', 'expiration'],
        stability: 'stable',
        title: 'Q',
      },
    );
    files.push({
      filename: 'schemas/demo/v1/wrapped.json',
      content: {
        $id: '/schemas/demo/v1/wrapped.json#',
        allOf: [{ $ref: '#/definitions/inner' }],
        definitions: { inner: { type: 'object', properties: { payload: { type: 'string' } } } },
      },
    });
    const exchanges = files[1]!.content as { entries: { routingKey: Json[] }[] };
    exchanges.entries[0]!.routingKey.push({ name: 'more', required: false, multipleWords: true });
    try {
      generateFiles(referenceSet(files));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GeneratorCheckError);
      const { problems } = error as GeneratorCheckError;
      expect(problems).toHaveLength(4);
      expect(problems[0]).toMatch(
        /demo\.badRoute: route \/a\/<x>\/<y> has placeholders \[x, y\] but args \[y, x\]/,
      );
      expect(problems[1]).toMatch(/demo\.ambiguous: .* top-level "payload"/);
      expect(problems[2]).toMatch(
        /demo\.optionLikeQuery: query option\(s\) "query", "expiration" have the name of a call option/,
      );
      expect(problems[3]).toMatch(
        /thingCreated: 2 multi-word routing-key fields \(reserved, more\)/,
      );
    }
  });
});

describe('the generator input', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'tc-pulse-refs-'));
    const seed = [
      ...demoFiles(),
      {
        filename: 'references/demo/v1/api.json',
        content: {
          serviceName: 'demo',
          apiVersion: 'v1',
          title: 'Demo Service',
          entries: [
            {
              type: 'function',
              name: 'ping',
              method: 'get',
              route: '/ping',
              args: [],
              query: [],
              stability: 'stable',
              title: 'Ping',
            },
            {
              type: 'function',
              name: 'oldThing',
              method: 'get',
              route: '/old',
              args: [],
              query: [],
              output: 'v1/old.json#',
              stability: 'stable',
              title: 'Old',
            },
          ],
        },
      },
      {
        filename: 'references/gone/v1/api.json',
        content: { serviceName: 'gone', apiVersion: 'v1', title: 'Gone', entries: [] },
      },
      {
        filename: 'schemas/demo/v1/old.json',
        content: { $id: '/schemas/demo/v1/old.json#', type: 'string' },
      },
    ].filter((f, i, all) => all.findLastIndex((g) => g.filename === f.filename) === i);
    const legacy = {
      'references/legacy-thing/v1/api.json': {
        serviceName: 'legacy-thing',
        baseUrl: 'https://legacy-thing.example.com/v1',
        title: 'Legacy',
        entries: [
          {
            type: 'function',
            name: 'run',
            method: 'put',
            route: '/run',
            args: [],
            query: [],
            input: 'v1/run.json#',
            stability: 'stable',
            title: 'Run',
          },
        ],
      },
    };
    const origin = { origin: 'a test', taken: '2026-01-01' };
    await writeReferenceSet(join(folder, CURRENT_REFERENCES), documents(demoFiles()), origin);
    await writeReferenceSet(join(folder, SEED_REFERENCES), documents(seed), origin);
    await writeReferenceSet(join(folder, LEGACY_SERVICES), new Map(Object.entries(legacy)), origin);
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('adds seed-era entries and services, and legacy services, deprecated', async () => {
    const refs = await loadReferenceFolder(folder);
    expect(refs.apis.map((api) => api.serviceName)).toEqual(['demo', 'gone', 'legacy-thing']);
    const demo = refs.apis[0]!;
    expect(demo.entries.find((e) => e.name === 'oldThing')?.deprecated).toMatch(
      /Removed from Taskcluster after release 16/,
    );
    expect(demo.entries.find((e) => e.name === 'createThing')?.deprecated).toBeUndefined();
    expect(refs.apis[1]!.deprecated).toMatch(/gone service/);
    expect(refs.apis[2]).toMatchObject({ apiVersion: 'v1', untyped: true });
    expect(refs.schemas.has('/schemas/demo/v1/old.json')).toBe(true);
    const legacyModule = generateFiles(refs).get('src/client/generated/legacy-thing.ts')!;
    expect(legacyModule).toMatch(/input: JsonValue;/);
  });

  it('reads a deployment over HTTP: every listed reference, and $refs to every schema', async () => {
    const files = new Map(demoFiles().map((f) => [`/${f.filename}`, f.content]));
    files.set('/references/demo/v1/logs.json', { serviceName: 'demo', types: [] });
    files.set('/references/manifest.json', {
      references: [
        '/references/demo/v1/api.json',
        '/references/demo/v1/exchanges.json',
        '/references/demo/v1/logs.json',
      ],
    });
    const requested: string[] = [];
    const server: Server = createServer((req, res) => {
      requested.push(req.url!);
      const body = files.get(req.url!);
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { message: 'not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const fetched = await fetchDeployment(`http://127.0.0.1:${port}/`);
      expect([...fetched.keys()]).toEqual([...requested.map((url) => url.slice(1))].sort());
      expect(fetched.get('references/demo/v1/logs.json')).toEqual({
        serviceName: 'demo',
        types: [],
      });
      const refs = parseReferenceDocuments(fetched, 'the deployment');
      expect([...refs.schemas.keys()].sort()).toEqual([
        '/schemas/demo/v1/create-thing.json',
        '/schemas/demo/v1/thing-list.json',
        '/schemas/demo/v1/thing-message.json',
        '/schemas/demo/v1/thing.json',
      ]);
      expect([...generateFiles(refs).entries()]).toEqual([
        ...generateFiles(referenceSet()).entries(),
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
