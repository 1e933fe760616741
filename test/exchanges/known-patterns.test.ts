import { describe, expect, it } from 'vitest';
import { AuthEvents } from '../../src/exchanges/generated/auth-events.js';
import { GithubEvents } from '../../src/exchanges/generated/github-events.js';
import { HooksEvents } from '../../src/exchanges/generated/hooks-events.js';
import { NotifyEvents } from '../../src/exchanges/generated/notify-events.js';
import { QueueEvents } from '../../src/exchanges/generated/queue-events.js';
import { TreeherderEvents } from '../../src/exchanges/generated/treeherder-events.js';
import { WorkerManagerEvents } from '../../src/exchanges/generated/worker-manager-events.js';

type Filter = Record<string, string | number>;
type Method = ((filter?: Filter) => { exchange: string; routingKeyPattern: string }) & {
  parse(key: string): Record<string, string | undefined>;
};

const events: Record<string, Record<string, unknown>> = {
  AuthEvents: new AuthEvents() as unknown as Record<string, unknown>,
  GithubEvents: new GithubEvents() as unknown as Record<string, unknown>,
  HooksEvents: new HooksEvents() as unknown as Record<string, unknown>,
  NotifyEvents: new NotifyEvents() as unknown as Record<string, unknown>,
  QueueEvents: new QueueEvents() as unknown as Record<string, unknown>,
  TreeherderEvents: new TreeherderEvents() as unknown as Record<string, unknown>,
  WorkerManagerEvents: new WorkerManagerEvents() as unknown as Record<string, unknown>,
};

// Restated by hand from the exchanges references: field order, constants and multi-word fields.
const AUTH = 'exchange/taskcluster-auth/v1/';
const GITHUB = 'exchange/taskcluster-github/v1/';
const HOOKS = 'exchange/taskcluster-hooks/v1/';
const NOTIFY = 'exchange/taskcluster-notify/v1/';
const QUEUE = 'exchange/taskcluster-queue/v1/';
const TREEHERDER = 'exchange/taskcluster-treeherder/v1/';
const WM = 'exchange/taskcluster-worker-manager/v1/';

/** [class, method, exchange, pattern without filter, filter, pattern with it] */
const KNOWN: [string, string, string, string, Filter, string][] = [
  ['AuthEvents', 'clientCreated', `${AUTH}client-created`, '#', { reserved: 'a.b' }, 'a.b'],
  ['AuthEvents', 'clientUpdated', `${AUTH}client-updated`, '#', { reserved: 'x' }, 'x'],
  ['AuthEvents', 'clientDeleted', `${AUTH}client-deleted`, '#', { reserved: 'x' }, 'x'],
  ['AuthEvents', 'roleCreated', `${AUTH}role-created`, '#', { reserved: 'x' }, 'x'],
  ['AuthEvents', 'roleUpdated', `${AUTH}role-updated`, '#', { reserved: 'x' }, 'x'],
  ['AuthEvents', 'roleDeleted', `${AUTH}role-deleted`, '#', { reserved: 'x' }, 'x'],
  [
    'GithubEvents',
    'pullRequest',
    `${GITHUB}pull-request`,
    'primary.*.*.*',
    { organization: 'mozilla', action: 'opened' },
    'primary.mozilla.*.opened',
  ],
  [
    'GithubEvents',
    'push',
    `${GITHUB}push`,
    'primary.*.*',
    { repository: 'gecko' },
    'primary.*.gecko',
  ],
  [
    'GithubEvents',
    'release',
    `${GITHUB}release`,
    'primary.*.*',
    { organization: 'o' },
    'primary.o.*',
  ],
  [
    'GithubEvents',
    'rerun',
    `${GITHUB}rerun`,
    'primary.*.*',
    { organization: 'o', repository: 'r' },
    'primary.o.r',
  ],
  [
    'GithubEvents',
    'taskGroupCreationRequested',
    `${GITHUB}task-group-creation-requested`,
    'primary.*.*',
    { repository: 'r' },
    'primary.*.r',
  ],
  ['HooksEvents', 'hookCreated', `${HOOKS}hook-created`, '#', { reserved: 'x' }, 'x'],
  ['HooksEvents', 'hookUpdated', `${HOOKS}hook-updated`, '#', { reserved: 'x' }, 'x'],
  ['HooksEvents', 'hookDeleted', `${HOOKS}hook-deleted`, '#', { reserved: 'x' }, 'x'],
  [
    'NotifyEvents',
    'notify',
    `${NOTIFY}notification`,
    'primary.#',
    { topic: 'release.done' },
    'primary.release.done',
  ],
  [
    'NotifyEvents',
    'ircRequest',
    `${NOTIFY}irc-request`,
    'primary.#',
    { reserved: 'x' },
    'primary.x',
  ],
  [
    'QueueEvents',
    'taskDefined',
    `${QUEUE}task-defined`,
    'primary.*.*.*.*.*.*.*.*.#',
    { taskId: 'abc' },
    'primary.abc.*.*.*.*.*.*.*.#',
  ],
  [
    'QueueEvents',
    'taskPending',
    `${QUEUE}task-pending`,
    'primary.*.*.*.*.*.*.*.*.#',
    { runId: 0 },
    'primary.*.0.*.*.*.*.*.*.#',
  ],
  [
    'QueueEvents',
    'taskRunning',
    `${QUEUE}task-running`,
    'primary.*.*.*.*.*.*.*.*.#',
    { workerGroup: 'wg', workerId: 'wi' },
    'primary.*.*.wg.wi.*.*.*.*.#',
  ],
  [
    'QueueEvents',
    'artifactCreated',
    `${QUEUE}artifact-created`,
    'primary.*.*.*.*.*.*.*.*.#',
    { provisionerId: 'p', workerType: 'w' },
    'primary.*.*.*.*.p.w.*.*.#',
  ],
  [
    'QueueEvents',
    'taskCompleted',
    `${QUEUE}task-completed`,
    'primary.*.*.*.*.*.*.*.*.#',
    { taskGroupId: 'G' },
    'primary.*.*.*.*.*.*.*.G.#',
  ],
  [
    'QueueEvents',
    'taskFailed',
    `${QUEUE}task-failed`,
    'primary.*.*.*.*.*.*.*.*.#',
    { schedulerId: 's' },
    'primary.*.*.*.*.*.*.s.*.#',
  ],
  [
    'QueueEvents',
    'taskException',
    `${QUEUE}task-exception`,
    'primary.*.*.*.*.*.*.*.*.#',
    { taskId: 't', reserved: 'r' },
    'primary.t.*.*.*.*.*.*.*.r',
  ],
  [
    'QueueEvents',
    'taskPriorityChanged',
    `${QUEUE}task-priority-changed`,
    'primary.*.*.*.*.*.*.*.*.#',
    { taskId: 't' },
    'primary.t.*.*.*.*.*.*.*.#',
  ],
  [
    'QueueEvents',
    'taskGroupResolved',
    `${QUEUE}task-group-resolved`,
    'primary.*.*.#',
    { taskGroupId: 'G' },
    'primary.G.*.#',
  ],
  [
    'QueueEvents',
    'taskGroupSealed',
    `${QUEUE}task-group-sealed`,
    'primary.*.*.#',
    { schedulerId: 's' },
    'primary.*.s.#',
  ],
  [
    'QueueEvents',
    'taskGroupPriorityChanged',
    `${QUEUE}task-group-priority-changed`,
    'primary.*.*.#',
    { taskGroupId: 'G', schedulerId: 's' },
    'primary.G.s.#',
  ],
  ['TreeherderEvents', 'jobs', `${TREEHERDER}jobs`, '*.*.#', { project: 'try' }, '*.try.#'],
  ...(
    [
      ['workerPoolCreated', 'worker-pool-created'],
      ['workerPoolUpdated', 'worker-pool-updated'],
      ['workerPoolError', 'worker-pool-error'],
      ['workerRequested', 'worker-requested'],
      ['workerRunning', 'worker-running'],
      ['workerStopped', 'worker-stopped'],
      ['workerRemoved', 'worker-removed'],
      ['launchConfigCreated', 'launch-config-created'],
      ['launchConfigUpdated', 'launch-config-updated'],
      ['launchConfigArchived', 'launch-config-archived'],
    ] as const
  ).map(([name, exchange]): [string, string, string, string, Filter, string] => [
    'WorkerManagerEvents',
    name,
    `${WM}${exchange}`,
    'primary.*.*.*.*.*.*.#',
    { providerId: 'aws', workerType: 'b-linux', launchConfigId: 'lc1' },
    'primary.aws.*.b-linux.*.*.lc1.#',
  ]),
];

function method(className: string, name: string): Method {
  return events[className]![name] as Method;
}

describe('routing-key patterns of every exchange', () => {
  it('covers every exchange of every events class', () => {
    const listed = KNOWN.map(([c, m]) => `${c}.${m}`).sort();
    const all = Object.entries(events)
      .flatMap(([c, instance]) =>
        (instance.table as { entries: { name: string }[] }).entries.map((e) => `${c}.${e.name}`),
      )
      .sort();
    expect(listed).toEqual(all);
  });

  it.each(KNOWN)('%s.%s', (className, name, exchange, unfiltered, filter, filtered) => {
    const m = method(className, name);
    expect(m()).toMatchObject({ exchange, routingKeyPattern: unfiltered });
    expect(m(filter)).toMatchObject({ exchange, routingKeyPattern: filtered });
  });

  it.each(KNOWN)(
    '%s.%s parses a published key of the filtered pattern',
    (className, name, _e, _u, filter, filtered) => {
      // The filtered pattern with every `*` and `#` as Taskcluster publishes a missing value.
      const published = filtered.replace(/[*#]/g, '_');
      const parsed = method(className, name).parse(published);
      for (const [field, value] of Object.entries(filter))
        expect(parsed[field]).toBe(String(value));
    },
  );
});
