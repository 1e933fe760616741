/**
 * 3. Memory: a consumer with a slow handler on a large backlog, in its own process that loads
 * only its own program (`memory-worker.ts`), whose RSS the parent samples (from
 * `/proc/<pid>/status`). Prefetch bounds what a consumer holds, so its RSS must stay flat: the
 * late samples no higher than the early ones. On the same backlog, one after the other: the
 * baseline (raw amqplib, one timer per delivered message, the payload parsed when it fires),
 * `handle()` as a bot is written, raw amqplib holding the parsed payload meanwhile (what a
 * handler that reads its message holds), and `consume()`.
 */

import { readFile } from 'node:fs/promises';
import {
  BENCH_NAMESPACE,
  BROKER_URL,
  closeBenchBroker,
  declareTrialQueue,
  openBenchBroker,
  prefill,
  trialQueues,
} from './broker.js';
import { startWorker } from './child.js';
import { type BenchSizes, SLOW_CONCURRENCY, SLOW_HANDLER_MS, STEADY_PREFETCH } from './config.js';
import { progress } from './log.js';
import type { MemoryKind, MemoryResult, MemoryTask } from './memory-worker.js';
import type { BenchMessage } from './messages.js';
import type { ResultRow } from './table.js';

const MEMORY_WORKER = new URL('./memory-worker.js', import.meta.url);
/** The order the consumers run in on the one backlog. */
const KINDS: readonly MemoryKind[] = ['raw', 'handle', 'raw-held', 'consume'];
/** The goal: a `handle()` bot's peak RSS against raw amqplib's. */
const RSS_GOAL = 1.2;

const SAMPLE_INTERVAL_MS = 100;
/** The share of the run whose samples count as early, and as late. */
const EDGE_SHARE = 0.25;
const MB = 1024 * 1024;

/** What the RSS samples of one run show, in MB. */
interface RssSummary {
  peak: number;
  early: number;
  late: number;
  handled: number;
}

/** The resident set size of process `pid` in MB, or undefined when it cannot be read. */
export async function rssOf(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : (Number(kb) * 1024) / MB;
  } catch {
    return undefined;
  }
}

async function sampleRun(task: MemoryTask, seconds: number, profile: boolean): Promise<RssSummary> {
  const worker = startWorker<MemoryResult>(MEMORY_WORKER, task, profile);
  const pid = worker.process.pid!;
  let peak = 0;
  const sampleSetUp = setInterval(async () => {
    peak = Math.max(peak, (await rssOf(pid)) ?? 0);
  }, SAMPLE_INTERVAL_MS);
  await worker.ready;
  clearInterval(sampleSetUp);
  const samples: number[] = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const rss = await rssOf(pid);
    if (rss !== undefined) samples.push(rss);
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
  }
  worker.stop();
  const { handled } = await worker.result;
  if (samples.length === 0) throw new Error('no RSS samples: /proc/<pid>/status is not readable');
  const edge = Math.max(1, Math.floor(samples.length * EDGE_SHARE));
  return {
    peak: Math.max(peak, ...samples),
    early: Math.max(...samples.slice(0, edge)),
    late: Math.max(...samples.slice(-edge)),
    handled,
  };
}

/** Runs the benchmark; `profile` writes CPU profiles of our consumers. */
export async function memory(
  sizes: BenchSizes,
  pool: readonly BenchMessage[],
  profile: boolean,
): Promise<ResultRow[]> {
  const broker = await openBenchBroker();
  const { channel, exchangePrefix, binding } = broker;
  const queues = trialQueues('memory');
  const summaries: Partial<Record<MemoryKind, RssSummary>> = {};
  try {
    await declareTrialQueue(channel, queues, binding);
    await prefill(channel, binding.exchange, queues.work, pool, sizes.memoryBacklog);
    progress(`memory: ${sizes.memoryBacklog.toLocaleString('en-US')} messages queued`);
    for (const kind of KINDS) {
      const summary = await sampleRun(
        {
          kind,
          brokerUrl: BROKER_URL,
          namespace: BENCH_NAMESPACE,
          work: queues.work,
          name: queues.name,
          exchangePrefix,
          prefetch: STEADY_PREFETCH,
          concurrency: SLOW_CONCURRENCY,
          slowMs: SLOW_HANDLER_MS,
        },
        sizes.memorySeconds,
        profile && (kind === 'handle' || kind === 'consume'),
      );
      summaries[kind] = summary;
      progress(
        `memory ${kind}: handled ${summary.handled}, RSS peak ${summary.peak.toFixed(1)} MB, early ${summary.early.toFixed(1)} MB, late ${summary.late.toFixed(1)} MB`,
      );
    }
  } finally {
    await closeBenchBroker(broker, queues.all);
  }
  const handle = summaries.handle!;
  const consume = summaries.consume!;
  const raw = summaries.raw!;
  const held = summaries['raw-held']!;
  const backlog = `${(sizes.memoryBacklog / 1000).toLocaleString('en-US')}k backlog`;
  return [
    {
      figure: `memory peak RSS handle() / raw amqplib, ${backlog}, prefetch ${STEADY_PREFETCH}`,
      unit: 'MB',
      ours: handle.peak,
      baseline: raw.peak,
      goal: { op: '<=', ratio: RSS_GOAL },
    },
    {
      figure: `memory peak RSS consume() / raw amqplib, ${backlog}, prefetch ${STEADY_PREFETCH}`,
      unit: 'MB',
      ours: consume.peak,
      baseline: raw.peak,
    },
    {
      figure: 'memory peak RSS handle() / raw amqplib holding the parsed payload',
      unit: 'MB',
      ours: handle.peak,
      baseline: held.peak,
      goal: { op: '<=', ratio: RSS_GOAL },
    },
    {
      figure: 'memory RSS late / early handle() / raw amqplib (flat = 1.0)',
      unit: '',
      ours: handle.late / handle.early,
      baseline: raw.late / raw.early,
      goalText: 'flat (~1.0)',
    },
  ];
}
