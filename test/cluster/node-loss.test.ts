/**
 * Three replicas of a bot on a three-node RabbitMQ cluster, surviving node loss. Each replica
 * is a process of its own (test/cluster/fixtures/bot.ts) using the public API: `connect()` with
 * the list of the cluster's nodes and a short heartbeat, `handle()` on one durable queue (they
 * compete for its messages), the first attempt of every tenth message failing so that retries
 * go through `/retry` while the cluster is in trouble. This process publishes 20,000 messages
 * with the package's publisher, and once a share is handled, does something bad to the cluster.
 *
 * Each scenario then checks: no message lost (every one handled at least once), consumption
 * resumed within 10 s (the largest time without any handled message, across the replicas,
 * from the fault's start on), and no replica crashed or gave up; duplicates are counted and
 * printed with the rest in one report line, followed by each replica's statuses from the
 * fault on and the state of the scenario's queues (with what each quorum leader holds in its
 * dead-letter state, which `list_queues` does not count: where stuck retries wait). One
 * cluster serves every scenario: it is restored (nodes started, thawed, reconnected, and seen
 * together again) after each. The last test kills the node a publisher is connected to while
 * it publishes, and counts what reached the queue.
 */

import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, defineExchange, type PulseClient, type PulseStatus } from '../../src/index.js';
import {
  startTestCluster,
  type TestCluster,
  type TestClusterNode,
} from '../../src/testing/index.js';
import type { BotConfig } from './fixtures/bot.js';
import {
  Bot,
  declareBoundQueue,
  deleteAll,
  Ledger,
  queueDepth,
  queueStates,
  quorumOverviews,
  readAll,
  sleep,
  statusTrail,
  unique,
  waitFor,
} from './support.js';

const TOTAL = 20_000;
/** Every tenth message fails its first attempt. */
const FAIL_EVERY = 10;
const RESUME_LIMIT_MS = 10_000;
const REPLICAS = 3;
/** Short enough to notice a frozen node within seconds; AMQP gives up after two missed beats. */
const HEARTBEAT_S = 2;
const RETRY_DELAY_MS = 1_000;
/** How long a killed node stays down before it is started again. */
const DOWN_MS = 10_000;
/** How long a node stays frozen: past `net_ticktime` (10 s), so that its peers give up on it. */
const PAUSE_MS = 15_000;
/** How long a node stays cut off: past the time `pause_minority` takes to stop it (~13 s). */
const PARTITION_MS = 20_000;
/** Time to handle every message once the fault is over. */
const FINISH_TIMEOUT_MS = 120_000;
/** Time without any message handled, once the fault is over, after which the rest are lost. */
const STALL_MS = 20_000;

/** The commit, and whether src/ has changes on top of it. */
function libraryVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
    const changed = git('status', '--short', '--', 'src').split('\n').filter(Boolean).length;
    return `${git('rev-parse', '--short', 'HEAD')}${changed > 0 ? ` + ${changed} changed files in src/` : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}

let cluster: TestCluster;
let bots: Bot[] = [];
let publishing: PulseClient | undefined;

beforeAll(async () => {
  // The replicas load the library from the working tree: say which one they ran.
  console.log(`[cluster] library: ${libraryVersion()}`);
  cluster = await startTestCluster();
  console.log(
    `[cluster] nodes: ${cluster.nodes.map((n, i) => `n${i + 1} ${n.name} ${n.host}`).join(', ')}`,
  );
}, 240_000);

afterEach(async () => {
  // A failed scenario leaves its replicas and a node in trouble: the next one starts clean.
  for (const bot of bots) bot.kill();
  bots = [];
  await publishing?.close().catch(() => undefined);
  publishing = undefined;
  await cluster.restore();
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
}, 120_000);

/** What a fault works with. */
interface FaultContext {
  cluster: TestCluster;
  bots: readonly Bot[];
  queue: string;
  /** Notes for the report line. */
  notes: string[];
  /**
   * Marks the fault's start, just before the first blow (after choosing the node, which
   * takes a `rabbitmqctl`): gaps in consumption are measured from here.
   */
  begin(): void;
}

/** The node label used in reports: `n2` (the beginning of the run names them). */
function label(node: TestClusterNode): string {
  return `n${cluster.nodes.indexOf(node) + 1}`;
}

/** The replicas connected to `node` now. */
function botsOn(node: TestClusterNode, all: readonly Bot[]): Bot[] {
  return all.filter((bot) => bot.host === node.host);
}

/** Where the replicas are connected and which nodes lead the queue and `/retry`. */
async function layout(context: FaultContext): Promise<string> {
  const leader = await context.cluster.queueLeader(context.queue).catch(() => undefined);
  const retry = await context.cluster.queueLeader(`${context.queue}/retry`).catch(() => undefined);
  const where = context.bots
    .map((bot) => {
      const node = bot.host === undefined ? undefined : context.cluster.nodeOf(bot.host);
      return `bot${bot.id}@${node === undefined ? '-' : label(node)}`;
    })
    .join(' ');
  const name = (node: TestClusterNode | undefined) => (node === undefined ? '?' : label(node));
  return `${where}, leader ${name(leader)}, retry leader ${name(retry)}`;
}

/**
 * The node a replica is connected to; among several, one that does not lead the queue when
 * `avoidLeader` (so that the scenario is about the connection, not the leader), else the one
 * with most replicas.
 */
async function consumerNode(context: FaultContext, avoidLeader: boolean): Promise<TestClusterNode> {
  const leader = await context.cluster.queueLeader(context.queue).catch(() => undefined);
  const withBots = cluster.nodes
    .map((node) => ({ node, count: botsOn(node, context.bots).length }))
    .filter(({ count }) => count > 0)
    .sort((a, b) => b.count - a.count);
  const preferred = avoidLeader ? withBots.find(({ node }) => node !== leader) : undefined;
  const chosen = preferred ?? withBots[0];
  if (chosen === undefined) throw new Error('no replica is connected to any node');
  return chosen.node;
}

interface ScenarioResult {
  lost: number[];
  duplicates: number;
  gapMs: number;
}

/**
 * Runs replicas and a publisher, runs `fault` once `faultAfter` messages are handled and all
 * are published, then waits for every message and checks the outcome.
 */
async function scenario(
  name: string,
  options: { handlerMs: number; faultAfter: number },
  fault: (context: FaultContext) => Promise<void>,
): Promise<ScenarioResult> {
  const started = Date.now();
  const namespace = unique('cluster');
  const queueName = 'replicas';
  const queue = `queue/${namespace}/${queueName}`;
  const work = defineExchange(namespace, 'v1/work', [
    { name: 'kind', multipleWords: false, required: true },
  ]);
  publishing = connect({ broker: [...cluster.urls], namespace, heartbeat: HEARTBEAT_S });
  const publisher = publishing.publisher({ deadline: FINISH_TIMEOUT_MS });
  await publisher.declareExchange(work);

  const ledger = new Ledger(TOTAL);
  const config = (id: number): BotConfig => ({
    id,
    urls: [...cluster.urls],
    namespace,
    queueName,
    exchange: work.exchange,
    heartbeat: HEARTBEAT_S,
    failEvery: FAIL_EVERY,
    maxAttempts: 5,
    retryDelay: RETRY_DELAY_MS,
    concurrency: 8,
    handlerMs: options.handlerMs,
  });
  bots = Array.from(
    { length: REPLICAS },
    (_, i) => new Bot(config(i + 1), (h) => ledger.record(h)),
  );
  await waitFor(() => bots.every((bot) => bot.consuming), 'every replica consuming', 60_000);

  let published = false;
  const publishedAll = Promise.all(
    Array.from({ length: TOTAL }, (_, n) =>
      publisher.publish(work, { payload: { n }, routing: { kind: 'work' } }),
    ),
  ).then(() => {
    published = true;
  });
  await waitFor(
    () => published && ledger.distinct >= options.faultAfter,
    `${options.faultAfter} messages handled`,
    120_000,
  );

  let faultAt: number | undefined;
  let handledAtFault = 0;
  const context: FaultContext = {
    cluster,
    bots,
    queue,
    notes: [],
    begin() {
      faultAt = Date.now();
      handledAtFault = ledger.distinct;
    },
  };
  context.notes.push(`before: ${await layout(context)}`);
  await fault(context);
  if (faultAt === undefined) throw new Error('the fault did not call begin()');
  const faultStart = faultAt;
  const faultEnd = Date.now();
  const faultMs = faultEnd - faultStart;
  await publishedAll;
  // Every message handled, or no progress for STALL_MS (then the rest are taken as lost).
  const finishBy = Date.now() + FINISH_TIMEOUT_MS;
  await waitFor(
    () =>
      ledger.distinct === TOTAL ||
      Date.now() > finishBy ||
      Date.now() - Math.max(ledger.lastAt, faultEnd) > STALL_MS,
    'every message handled, or no progress',
    FINISH_TIMEOUT_MS + 1_000,
  );
  const finished = ledger.distinct === TOTAL;
  // Late duplicates (retry copies of messages already handled) come back within a retry delay.
  await waitFor(
    () => Date.now() - ledger.lastAt > 2 * RETRY_DELAY_MS,
    'the replicas to go quiet',
    30_000,
  ).catch(() => undefined);
  context.notes.push(`after: ${await layout(context)}`);

  const crashed = bots.filter((bot) => !bot.alive).map((bot) => `bot${bot.id}`);
  const problems = bots.flatMap((bot) => bot.problems.map((p) => `bot${bot.id} ${p}`));
  const exits = await Promise.all(bots.map((bot) => bot.stop()));
  const unclean = exits.flatMap((exit, i) =>
    exit.code === 0 ? [] : [`bot${i + 1} exited ${exit.code ?? exit.signal}`],
  );
  const queues = await queueStates(cluster, queue).catch((error: unknown) => [String(error)]);
  const overviews = await quorumOverviews(cluster, [queue, `${queue}/retry`]).catch(String);
  const dead = await queueDepth(cluster, `${queue}/dead`);
  const left = await queueDepth(cluster, queue);
  const lost = ledger.lost();
  const gap = ledger.largestGapSince(faultStart);
  const report = [
    `[cluster] ${name}:`,
    `lost ${lost.length}${lost.length > 0 ? ` (e.g. ${lost.slice(0, 10).join(', ')})` : ''},`,
    `duplicates ${ledger.duplicates} (${ledger.redeliveredDuplicates} marked redelivered),`,
    `largest gap ${(gap.ms / 1000).toFixed(1)} s (from +${(gap.startsAfterMs / 1000).toFixed(1)} s),`,
    `handled at fault ${handledAtFault}, fault ${(faultMs / 1000).toFixed(1)} s,`,
    `failed on purpose ${bots.reduce((sum, bot) => sum + bot.failedOnPurpose, 0)},`,
    `dead-lettered ${dead ?? '?'}, left in queue ${left ?? '?'},`,
    `run ${((Date.now() - started) / 1000).toFixed(1)} s;`,
    context.notes.join('; '),
  ].join(' ');
  console.log(report);
  for (const bot of bots) {
    console.log(`  bot${bot.id}: ${statusTrail(cluster, bot.statuses, faultStart)}`);
    if (bot.stderr.trim() !== '') console.log(`  bot${bot.id} stderr: ${bot.stderr.slice(-2_000)}`);
  }
  for (const problem of problems) console.log(`  ${problem}`);
  for (const line of queues) console.log(`  queue ${line}`);
  console.log(`  leaders' view: ${overviews}`);

  await deleteAll(
    cluster,
    [queue, `${queue}/dead`, `${queue}/retry`, `${queue}/bindings`],
    [work.exchange],
  ).catch((error: unknown) => console.log(`  cleanup: ${String(error)}`));

  expect.soft(crashed, 'replicas that exited before the end').toEqual([]);
  expect.soft(problems, 'crashes and failed runners in the replicas').toEqual([]);
  expect.soft(unclean, 'replicas that did not close cleanly').toEqual([]);
  expect.soft(finished, 'every message handled in time').toBe(true);
  expect.soft(lost.length, 'messages lost').toBe(0);
  expect.soft(dead, 'messages dead-lettered').toBe(0);
  expect
    .soft(gap.ms, 'largest gap in consumption after the fault (ms)')
    .toBeLessThan(RESUME_LIMIT_MS);
  return { lost, duplicates: ledger.duplicates, gapMs: gap.ms };
}

describe('three replicas on a three-node cluster', () => {
  it('keep consuming when the node a replica is connected to is killed', async () => {
    await scenario('kill a consumer node', { handlerMs: 30, faultAfter: 4_000 }, async (c) => {
      const node = await consumerNode(c, true);
      c.notes.push(`killed ${label(node)} (bots on it: ${botsOn(node, c.bots).map((b) => b.id)})`);
      c.begin();
      await node.kill();
      await sleep(DOWN_MS);
      await node.start();
    });
  });

  it("keep consuming when the node of the queue's leader is killed", async () => {
    await scenario('kill the leader node', { handlerMs: 30, faultAfter: 4_000 }, async (c) => {
      const node = await c.cluster.queueLeader(c.queue);
      c.notes.push(`killed ${label(node)} (bots on it: ${botsOn(node, c.bots).map((b) => b.id)})`);
      c.begin();
      await node.kill();
      await sleep(DOWN_MS);
      await node.start();
      c.notes.push(`new leader ${label(await c.cluster.queueLeader(c.queue))}`);
    });
  });

  it('keep consuming when a node is frozen (docker pause) and thawed', async () => {
    await scenario('pause a node', { handlerMs: 30, faultAfter: 4_000 }, async (c) => {
      const node = await consumerNode(c, false);
      c.notes.push(`paused ${label(node)} (bots on it: ${botsOn(node, c.bots).map((b) => b.id)})`);
      c.begin();
      await node.pause();
      await sleep(PAUSE_MS);
      c.notes.push(`unpause: ${await node.unpause()}`);
    });
  });

  it('keep consuming when a node is cut off from the others and reconnected', async () => {
    await scenario('partition a node', { handlerMs: 30, faultAfter: 4_000 }, async (c) => {
      const node = await consumerNode(c, true);
      c.notes.push(
        `partitioned ${label(node)} (bots on it: ${botsOn(node, c.bots).map((b) => b.id)})`,
      );
      c.begin();
      await node.partition();
      await sleep(PARTITION_MS);
      c.notes.push(`heal: ${await node.heal()}`);
    });
  });

  it('keep consuming through a rolling restart of every node', async () => {
    await scenario('rolling restart', { handlerMs: 60, faultAfter: 2_000 }, async (c) => {
      c.begin();
      for (const node of c.cluster.nodes) {
        const restartAt = Date.now();
        await node.shutdown();
        await node.start();
        c.notes.push(
          `${label(node)} restarted in ${((Date.now() - restartAt) / 1000).toFixed(1)} s`,
        );
      }
    });
  });
});

describe('a publisher on a three-node cluster', () => {
  it('loses no confirmed message when its node is killed, and sends the unconfirmed again', async () => {
    const started = Date.now();
    const namespace = unique('cluster');
    const queue = `queue/${namespace}/published`;
    const work = defineExchange(namespace, 'v1/work', [
      { name: 'kind', multipleWords: false, required: true },
    ]);
    const statuses: { at: number; status: PulseStatus }[] = [];
    publishing = connect({ broker: [...cluster.urls], namespace, heartbeat: HEARTBEAT_S });
    publishing.status$.subscribe((status) => statuses.push({ at: Date.now(), status }));
    const publisher = publishing.publisher({ deadline: FINISH_TIMEOUT_MS });
    await publisher.declareExchange(work);
    // A replicated queue that only counts: nothing consumes it until the end.
    await declareBoundQueue(cluster, queue, work.exchange);
    const connected = statuses.findLast(({ status }) => status.type === 'connected')?.status;
    const node = connected?.type === 'connected' ? cluster.nodeOf(connected.host) : undefined;
    if (node === undefined)
      throw new Error('the publisher is not connected to a node of the cluster');
    // Looked up now: rabbitmqctl takes a second, in which thousands more would be confirmed.
    const leader = await cluster.queueLeader(queue);

    /** 0: waiting, 1: confirmed, 2: rejected. */
    const outcome = new Uint8Array(TOTAL);
    let confirmed = 0;
    const errors: string[] = [];
    const all = Promise.all(
      Array.from({ length: TOTAL }, (_, n) =>
        publisher
          .publish(work, { payload: { n }, routing: { kind: 'work' }, messageId: String(n) })
          .then(
            () => {
              outcome[n] = 1;
              confirmed++;
            },
            (error: unknown) => {
              outcome[n] = 2;
              errors.push(String(error));
            },
          ),
      ),
    );
    await waitFor(() => confirmed >= TOTAL / 4, 'a quarter confirmed', 120_000);
    // What is not confirmed when the node dies: in flight, or waiting for a slot of the window.
    const unconfirmedAtKill = outcome.reduce((sum, o) => sum + (o === 0 ? 1 : 0), 0);
    const killedAt = Date.now();
    await node.kill();
    await all;
    const publishMs = Date.now() - started;
    const { ids, read } = await readAll(cluster, queue, TOTAL);
    const missing: number[] = [];
    for (let n = 0; n < TOTAL; n++) if (outcome[n] === 1 && !ids.has(String(n))) missing.push(n);
    const report = [
      '[cluster] publisher across node loss:',
      `killed n${cluster.nodes.indexOf(node) + 1} (the publisher's node; queue leader n${cluster.nodes.indexOf(leader) + 1})`,
      `with ${TOTAL - unconfirmedAtKill} confirmed and ${unconfirmedAtKill} unconfirmed;`,
      `confirmed ${confirmed}, rejected ${errors.length},`,
      `in queue ${read} (distinct ${ids.size}, duplicates ${read - ids.size}),`,
      `confirmed but missing ${missing.length}, publishing took ${(publishMs / 1000).toFixed(1)} s;`,
      `publisher: ${statusTrail(cluster, statuses, killedAt)}`,
    ].join(' ');
    console.log(report);
    await node.start();
    await deleteAll(cluster, [queue], [work.exchange]).catch(() => undefined);

    expect.soft(errors.slice(0, 3), 'publishes rejected').toEqual([]);
    expect.soft(confirmed, 'publishes confirmed').toBe(TOTAL);
    expect.soft(missing.slice(0, 10), 'confirmed messages missing from the queue').toEqual([]);
    expect.soft(ids.size, 'distinct messages in the queue').toBe(TOTAL);
    expect.soft(read, 'messages in the queue').toBeGreaterThanOrEqual(TOTAL);
  });
});
