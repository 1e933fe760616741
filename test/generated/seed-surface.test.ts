import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Auth } from '../../src/client/generated/auth.js';
import { AwsProvisioner } from '../../src/client/generated/aws-provisioner.js';
import { EC2Manager } from '../../src/client/generated/ec2-manager.js';
import { Github } from '../../src/client/generated/github.js';
import { Hooks } from '../../src/client/generated/hooks.js';
import { Index } from '../../src/client/generated/index-service.js';
import { Login } from '../../src/client/generated/login.js';
import { Notify } from '../../src/client/generated/notify.js';
import { PurgeCache } from '../../src/client/generated/purge-cache.js';
import { Queue } from '../../src/client/generated/queue.js';
import { Secrets } from '../../src/client/generated/secrets.js';
import { WorkerManager } from '../../src/client/generated/worker-manager.js';
import { AuthEvents } from '../../src/exchanges/generated/auth-events.js';
import { GithubEvents } from '../../src/exchanges/generated/github-events.js';
import { HooksEvents } from '../../src/exchanges/generated/hooks-events.js';
import { NotifyEvents } from '../../src/exchanges/generated/notify-events.js';
import { QueueEvents } from '../../src/exchanges/generated/queue-events.js';
import { TreeherderEvents } from '../../src/exchanges/generated/treeherder-events.js';
import { WorkerManagerEvents } from '../../src/exchanges/generated/worker-manager-events.js';

/** The classes by the names the seed gives them (the package exports them by these names). */
const surface: Record<string, unknown> = {
  Auth,
  AuthEvents,
  AwsProvisioner,
  EC2Manager,
  Github,
  GithubEvents,
  Hooks,
  HooksEvents,
  Index,
  Login,
  Notify,
  NotifyEvents,
  PurgeCache,
  Queue,
  QueueEvents,
  Secrets,
  TreeherderEvents,
  WorkerManager,
  WorkerManagerEvents,
};

/** The seed README's classes and the names it gives each (a copy of the seed's list). */
const seed = JSON.parse(
  readFileSync(new URL('../fixtures/seed-surface.json', import.meta.url), 'utf8'),
) as Record<string, { kind: 'methods' | 'exchanges'; names: string[] }>;

/** Seed entries no current deployment has: present, and deprecated with the reason. */
const REMOVED_ENTRIES = [
  'Auth.statsumToken',
  'Github.githubWebHookConsumer',
  'Notify.irc',
  'NotifyEvents.ircRequest',
  'Queue.completeArtifact',
  'Queue.declareProvisioner',
  'Queue.declareWorkerType',
  'Queue.defineTask',
];
const REMOVED_CLASSES = ['AwsProvisioner', 'EC2Manager', 'Login', 'TreeherderEvents'];

const ROOT_URL = 'https://tc.example.com';

interface Table {
  serviceName: string;
  apiVersion: string;
  exchangePrefix?: string;
  deprecated?: string;
  entries: readonly {
    name: string;
    route?: string;
    args?: readonly string[];
    exchange?: string;
    deprecated?: string;
  }[];
}
type Instance = Record<string, unknown> & {
  table?: Table;
  buildUrl?: (name: string, ...args: unknown[]) => string;
};

function instantiate(className: string): { instance: Instance; table: Table } {
  const exported = surface[className];
  expect(exported, `${className} is exported`).toBeTypeOf('function');
  const Class = exported as new (options?: object) => Instance;
  const instance =
    seed[className]!.kind === 'methods' ? new Class({ rootUrl: ROOT_URL }) : new Class();
  const table = (
    seed[className]!.kind === 'methods'
      ? (Class as unknown as { table: Table }).table
      : instance.table
  )!;
  return { instance, table };
}

describe('the seed surface', () => {
  it('lists 185 names in 19 classes', () => {
    expect(Object.keys(seed)).toHaveLength(19);
    expect(Object.values(seed).reduce((n, c) => n + c.names.length, 0)).toBe(185);
  });

  describe.each(Object.entries(seed).filter(([, c]) => c.kind === 'methods'))(
    '%s',
    (className, { names }) => {
      it.each(names)('%s exists, is callable and builds its URL', (name) => {
        const { instance, table } = instantiate(className);
        expect(instance[name]).toBeTypeOf('function');
        const entry = table.entries.find((e) => e.name === name);
        expect(entry).toBeDefined();
        const params = entry!.args!.map((arg) => `${arg}-value`);
        const route = entry!.args!.reduce(
          (r, arg) => r.replace(`<${arg}>`, `${arg}-value`),
          entry!.route!,
        );
        expect(instance.buildUrl!(name, ...params)).toBe(
          `${ROOT_URL}/api/${table.serviceName}/${table.apiVersion}${route}`,
        );
      });
    },
  );

  describe.each(Object.entries(seed).filter(([, c]) => c.kind === 'exchanges'))(
    '%s',
    (className, { names }) => {
      it.each(names)('%s exists and binds its exchange', (name) => {
        const { instance, table } = instantiate(className);
        const method = instance[name] as () => { exchange: string; routingKeyPattern: string };
        expect(method).toBeTypeOf('function');
        const entry = table.entries.find((e) => e.name === name);
        const binding = method();
        expect(binding.exchange).toBe(`${table.exchangePrefix}${entry!.exchange}`);
        expect(binding.routingKeyPattern).toMatch(/[*#]/);
      });
    },
  );

  it.each(REMOVED_ENTRIES)('%s is deprecated with the reason', (qualified) => {
    const [className, name] = qualified.split('.') as [string, string];
    const { table } = instantiate(className);
    expect(table.entries.find((e) => e.name === name)?.deprecated).toMatch(
      /Removed from Taskcluster after release 16/,
    );
  });

  it.each(REMOVED_CLASSES)('%s is deprecated with the reason', (className) => {
    const { table } = instantiate(className);
    expect(table.deprecated).toMatch(/removed|retired/);
  });

  it('keeps current entries undeprecated', () => {
    const { table } = instantiate('Queue');
    expect(table.entries.find((e) => e.name === 'createTask')?.deprecated).toBeUndefined();
  });
});
