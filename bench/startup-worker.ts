/**
 * A cold start in a fresh process: import the package (its built entry, what users import), then
 * construct every client class it has (every service client and, for ours, every events class;
 * the official package's `clients`), then make a first slugId and sign a first URL (ours loads
 * slugid and hawk then, the official package with its import).
 */

import { runAsWorker, workerTask } from './worker-ipc.js';

/** The task of a start-up worker. */
export interface StartupTask {
  kind: 'ours' | 'baseline';
}

/** What one cold start measured, in milliseconds. */
export interface StartupResult {
  /** Importing the package. */
  importMs: number;
  /** Constructing every client. */
  constructMs: number;
  /** Then making the first slugId and signing the first URL (a bewit of `queue.task`). */
  firstUseMs: number;
  /** From the process's start until every client exists. */
  sinceProcessStartMs: number;
  clients: number;
}

/**
 * The package by name, as users import it: Node resolves it through package.json's `exports` to
 * the built bundle (`npm run bench` builds it first). A variable, so that type-checking the
 * bench needs no build; the types are those of the source it is built from.
 */
const PACKAGE: string = 'taskcluster-pulse';

const ROOT_URL = 'https://tc.example.com';
const credentials = { clientId: 'bench/client', accessToken: 'not-a-secret' };

/** What a worker built: the clients, and the first use of slugIds and Hawk. */
interface Constructed {
  importMs: number;
  clients: object[];
  firstUse: () => void;
}

async function constructOurs(): Promise<Constructed> {
  const started = performance.now();
  const tc = (await import(PACKAGE)) as typeof import('../src/index.js');
  const importMs = performance.now() - started;
  const options = { rootUrl: ROOT_URL, credentials };
  const queue = new tc.Queue(options);
  const clients: object[] = [
    new tc.Auth(options),
    new tc.AwsProvisioner(options),
    new tc.EC2Manager(options),
    new tc.Github(options),
    new tc.Hooks(options),
    new tc.Index(options),
    new tc.Login(options),
    new tc.Notify(options),
    new tc.ObjectService(options),
    new tc.PurgeCache(options),
    queue,
    new tc.Secrets(options),
    new tc.WebServer(options),
    new tc.WorkerManager(options),
    new tc.AuthEvents(),
    new tc.GithubEvents(),
    new tc.HooksEvents(),
    new tc.NotifyEvents(),
    new tc.QueueEvents(),
    new tc.TreeherderEvents(),
    new tc.WorkerManagerEvents(),
  ];
  const firstUse = () => {
    tc.slugId();
    queue.buildSignedUrl('task', 'first-task');
  };
  return { importMs, clients, firstUse };
}

async function constructBaseline(): Promise<Constructed> {
  const started = performance.now();
  const tc = await import('taskcluster-client');
  const importMs = performance.now() - started;
  const clients = Object.values(tc.clients).map(
    (Client) => new Client({ rootUrl: ROOT_URL, credentials }),
  );
  const queue = clients[Object.keys(tc.clients).indexOf('Queue')] as InstanceType<
    typeof tc.default.Queue
  >;
  const firstUse = () => {
    tc.slugid();
    queue.buildSignedUrl(queue.task, 'first-task');
  };
  return { importMs, clients, firstUse };
}

void runAsWorker(async (): Promise<StartupResult> => {
  const { kind } = workerTask<StartupTask>();
  const started = performance.now();
  const { importMs, clients, firstUse } =
    kind === 'ours' ? await constructOurs() : await constructBaseline();
  const done = performance.now();
  firstUse();
  return {
    importMs,
    constructMs: done - started - importMs,
    firstUseMs: performance.now() - done,
    sinceProcessStartMs: done,
    clients: clients.length,
  };
});
