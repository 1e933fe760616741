/**
 * What the cluster suite needs around its tests: bot replicas as child processes (and what
 * they reported), the ledger that reconciles published and handled messages, the report line
 * of a scenario, and AMQP housekeeping on whichever node is up.
 */

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect as amqpConnect } from 'amqplib';
import type { TestCluster, TestClusterNode } from '../../src/testing/test-cluster.js';
import type { BotConfig } from './fixtures/bot.js';

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BOT = fileURLToPath(new URL('./fixtures/bot.ts', import.meta.url));

/** A name no other run uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 100 ms; throws with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A status a bot reported, with its errors as text. */
export interface ReportedStatus {
  at: number;
  status: { type: string; host?: string; error?: string; queue?: string; [key: string]: unknown };
}

/** One handler run a bot finished. */
export interface Handled {
  n: number;
  at: number;
  attempt: number;
  redelivered: boolean;
  bot: number;
}

/** A bot replica running as a child process, and everything it reported. */
export class Bot {
  readonly id: number;
  readonly child: ChildProcessWithoutNullStreams;
  readonly statuses: ReportedStatus[] = [];
  /** What went wrong in it: crashes, a failed runner, lines that are not JSON. */
  readonly problems: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  failedOnPurpose = 0;
  closedMs: number | undefined;
  #stderr = '';
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(config: BotConfig, onHandled: (handled: Handled) => void) {
    this.id = config.id;
    this.child = spawn(process.execPath, ['--import', 'tsx', BOT], {
      cwd: ROOT,
      env: { ...process.env, CLUSTER_BOT: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve({ code, signal });
      });
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-8_000);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.problems.push(`not JSON: ${line.slice(0, 200)}`);
        return;
      }
      switch (event.t) {
        case 'handled':
          onHandled({ ...(event as unknown as Omit<Handled, 'bot'>), bot: this.id });
          break;
        case 'failed':
          this.failedOnPurpose++;
          break;
        case 'status':
          this.statuses.push(event as unknown as ReportedStatus);
          break;
        case 'closed':
          this.closedMs = event.ms as number;
          break;
        default:
          this.problems.push(`${String(event.t)}: ${String(event.error).slice(0, 2_000)}`);
      }
    });
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.#exit === undefined;
  }

  /** The node its connection is on now (`host:port`), undefined while it has none. */
  get host(): string | undefined {
    for (let i = this.statuses.length - 1; i >= 0; i--) {
      const { status } = this.statuses[i]!;
      if (status.type === 'disconnected' || status.type === 'closed') return undefined;
      if (status.type === 'connected') return status.host;
    }
    return undefined;
  }

  /** Whether it consumes now (a `consuming` since its last lost connection). */
  get consuming(): boolean {
    for (let i = this.statuses.length - 1; i >= 0; i--) {
      const { type } = this.statuses[i]!.status;
      if (type === 'consuming') return true;
      if (type === 'disconnected' || type === 'closed') return false;
    }
    return false;
  }

  /** The end of its standard error, for a failure's message. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Asks it to close (as a SIGTERM handler would) and waits; kills it after `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.child.stdin.write('stop\n');
    const timer = setTimeout(() => this.kill(), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process (its own pid only). */
  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}

/** How many times each message was handled, and when messages were handled. */
export class Ledger {
  readonly total: number;
  readonly counts: Uint16Array;
  readonly times: number[] = [];
  distinct = 0;
  duplicates = 0;
  /** Duplicates the broker marked as redelivered (so explained by a lost ack). */
  redeliveredDuplicates = 0;
  lastAt = 0;

  constructor(total: number) {
    this.total = total;
    this.counts = new Uint16Array(total);
  }

  record(handled: Handled): void {
    const seen = this.counts[handled.n]!;
    if (seen === 0) this.distinct++;
    else {
      this.duplicates++;
      if (handled.redelivered) this.redeliveredDuplicates++;
    }
    this.counts[handled.n] = seen + 1;
    this.times.push(handled.at);
    this.lastAt = Math.max(this.lastAt, handled.at);
  }

  /** Messages never handled. */
  lost(): number[] {
    const lost: number[] = [];
    this.counts.forEach((count, n) => {
      if (count === 0) lost.push(n);
    });
    return lost;
  }

  /**
   * The largest time without any handled message from `from` on (the fault's start counts as
   * the first point, so a stall right after the fault counts), and when it began.
   */
  largestGapSince(from: number): { ms: number; startsAfterMs: number } {
    const times = this.times.filter((at) => at >= from).sort((a, b) => a - b);
    let previous = from;
    let gap = { ms: 0, startsAfterMs: 0 };
    for (const at of times) {
      if (at - previous > gap.ms) gap = { ms: at - previous, startsAfterMs: previous - from };
      previous = at;
    }
    return gap;
  }
}

/** The first node that is running now, for housekeeping. */
export function runningNode(cluster: TestCluster): TestClusterNode {
  const node = cluster.nodes.find((n) => n.state === 'running');
  if (node === undefined) throw new Error('no node of the cluster is running');
  return node;
}

/** Messages ready in `queue` (through a running node); undefined when it does not exist. */
export async function queueDepth(cluster: TestCluster, queue: string): Promise<number | undefined> {
  const connection = await amqpConnect(runningNode(cluster).url);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return (await channel.checkQueue(queue)).messageCount;
  } catch {
    return undefined;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Deletes queues and exchanges (missing ones are fine), through a running node. */
export async function deleteAll(
  cluster: TestCluster,
  queues: readonly string[],
  exchanges: readonly string[],
): Promise<void> {
  const connection = await amqpConnect(runningNode(cluster).url);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** A bot's statuses from `since` on, as short text: `disconnected, reconnecting(n2: ECONNRESET)`. */
export function statusTrail(
  cluster: TestCluster,
  statuses: readonly { at: number; status: { type: string } }[],
  since: number,
): string {
  const label = (host: unknown) => {
    const node = typeof host === 'string' ? cluster.nodeOf(host) : undefined;
    return node === undefined ? String(host) : `n${cluster.nodes.indexOf(node) + 1}`;
  };
  const words: string[] = [];
  for (const { at, status: typed } of statuses) {
    if (at < since) continue;
    const status = typed as { type: string; host?: unknown; error?: unknown; queue?: unknown };
    const t = `+${((at - since) / 1000).toFixed(1)}s`;
    switch (status.type) {
      case 'connected':
      case 'connecting':
        words.push(`${t} ${status.type} ${label(status.host)}`);
        break;
      case 'reconnecting':
        words.push(
          `${t} reconnecting ${label(status.host)} (${String(status.error).slice(0, 80)})`,
        );
        break;
      case 'disconnected':
        words.push(`${t} disconnected (${String(status.error).slice(0, 80)})`);
        break;
      case 'consuming':
        words.push(`${t} consuming`);
        break;
      default:
        words.push(
          `${t} ${status.type}${status.queue === undefined ? '' : ` ${status.queue}`}${status.error === undefined ? '' : ` (${String(status.error).slice(0, 160)})`}`,
        );
    }
  }
  return words.join(', ');
}

/**
 * The queues whose names start with `prefix`, one line each: type, leader, members (as
 * `n1,n2`), messages (ready/unacked), from `rabbitmqctl list_queues` on a running node.
 */
export async function queueStates(cluster: TestCluster, prefix: string): Promise<string[]> {
  const short = (name: string) => {
    const node = cluster.nodeOf(name.trim());
    return node === undefined ? name.trim() : `n${cluster.nodes.indexOf(node) + 1}`;
  };
  const output = await cluster.rabbitmqctl(
    'list_queues',
    '--no-table-headers',
    'name',
    'type',
    'leader',
    'members',
    'messages',
    'messages_ready',
    'messages_unacknowledged',
  );
  return output
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([name]) => name?.startsWith(prefix))
    .map(([name, type, leader, members, messages, ready, unacked]) => {
      const memberList = (members ?? '').replace(/[[\]]/g, '').split(',').filter(Boolean);
      return `${name!.slice(prefix.length) || '(work)'}: ${type}, leader ${leader ? short(leader) : '-'}, members ${memberList.map(short).join(',') || '-'}, messages ${messages} (${ready} ready, ${unacked} unacked)`;
    })
    .sort();
}

/**
 * What the leader of each quorum queue holds, from `rabbit_fifo:overview/1`: `list_queues`
 * leaves out messages that wait in the queue's dead-letter state (`num_discarded`, and
 * `num_discard_checked_out` on their way out), which is where a retry stuck on its way back
 * to the work queue would be.
 */
export async function quorumOverviews(cluster: TestCluster, queues: readonly string[]) {
  const names = queues.map((queue) => `<<"${queue}">>`).join(', ');
  const keys =
    'num_messages, num_ready_messages, num_checked_out, num_discarded, num_discard_checked_out';
  const expression = `[begin {ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<"/">>, queue, N)), {RaName, _} = amqqueue:get_pid(Q), case ra:leader_query({RaName, node()}, fun rabbit_fifo:overview/1) of {ok, {_, O}, {_, L}} -> {N, L, maps:to_list(maps:with([${keys}], O))}; E -> {N, E} end end || N <- [${names}]].`;
  const output = await cluster.rabbitmqctl('eval', expression);
  return output.replace(/\s+/g, ' ').trim();
}

/** Declares a quorum queue (on a running node) bound to `exchange` with `#`. */
export async function declareBoundQueue(
  cluster: TestCluster,
  queue: string,
  exchange: string,
): Promise<void> {
  const connection = await amqpConnect(runningNode(cluster).url);
  try {
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(queue, exchange, '#');
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/**
 * Takes every message of `queue` (through a running node): their ids and how many there
 * were. Stops once `expected` distinct ids came and nothing more came for 2 s, or after 60 s.
 */
export async function readAll(
  cluster: TestCluster,
  queue: string,
  expected: number,
): Promise<{ ids: Set<string>; read: number }> {
  const connection = await amqpConnect(runningNode(cluster).url);
  const ids = new Set<string>();
  let read = 0;
  let lastAt = Date.now();
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(1_000);
    await channel.consume(queue, (message) => {
      if (message === null) return;
      read++;
      lastAt = Date.now();
      ids.add(String(message.properties.messageId));
      channel.ack(message);
    });
    const end = Date.now() + 60_000;
    await waitFor(
      () => Date.now() > end || (ids.size >= expected && Date.now() - lastAt > 2_000),
      'the queue read',
      61_000,
    );
    return { ids, read };
  } finally {
    await connection.close().catch(() => undefined);
  }
}
