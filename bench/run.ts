/**
 * `npm run bench [-- --quick]
 * [--only=consume,latency,publish,memory,rest,startup,routing,cluster,bindings,many-queues]
 * [--profile]`: runs the benchmarks against the local RabbitMQ, loopback servers and (cluster)
 * a three-node RabbitMQ cluster in Docker containers, and prints one table of each figure,
 * ours, the baseline measured in the same run, their ratio and the goal. Progress goes to
 * stderr; `.bench-tmp/results.json` keeps the rows. `--profile` writes CPU profiles of
 * our side's worker processes to `.bench-tmp/profiles`.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { bindings } from './bindings.js';
import { profileWorkers } from './child.js';
import { clusterThroughput } from './cluster.js';
import { FULL, QUICK } from './config.js';
import { latency } from './latency.js';
import { manyQueues } from './many-queues.js';
import { memory } from './memory.js';
import { messagePool } from './messages.js';
import { publishThroughput } from './publish.js';
import { rest } from './rest.js';
import { routing } from './routing.js';
import { startup } from './startup.js';
import { formatTable, type ResultRow } from './table.js';
import { consumeThroughput } from './throughput.js';

const SECTIONS = [
  'consume',
  'latency',
  'publish',
  'memory',
  'rest',
  'startup',
  'routing',
  'cluster',
  'bindings',
  'many-queues',
] as const;
type Section = (typeof SECTIONS)[number];

function parseArguments(argv: readonly string[]) {
  const quick = argv.includes('--quick');
  const profile = argv.includes('--profile');
  const only = argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  const sections = only === undefined ? [...SECTIONS] : only.split(',');
  for (const section of sections) {
    if (!(SECTIONS as readonly string[]).includes(section)) {
      throw new Error(`unknown section "${section}"; the sections are ${SECTIONS.join(', ')}`);
    }
  }
  return { quick, profile, sections: sections as Section[] };
}

let finished = false;
// A wait on a connection the broker dropped leaves nothing for node to wait on: it would exit
// with status 0 and no table.
process.on('exit', () => {
  if (finished) return;
  process.stderr.write('bench ended early: a wait was left without anything to wake it\n');
  process.exitCode = 1;
});

async function main(): Promise<void> {
  const { quick, profile, sections } = parseArguments(process.argv.slice(2));
  const sizes = quick ? QUICK : FULL;
  if (profile) profileWorkers();
  const pool = messagePool();
  const averageBytes = pool.reduce((sum, message) => sum + message.content.length, 0) / pool.length;
  process.stderr.write(
    `taskcluster-pulse benchmarks (${quick ? 'quick' : 'full'}), messages of ${Math.round(averageBytes)} bytes\n`,
  );
  const started = performance.now();
  const rows: ResultRow[] = [];
  const run: Record<Section, () => Promise<ResultRow[]>> = {
    consume: () => consumeThroughput(sizes, pool, profile),
    latency: () => latency(sizes, pool, profile),
    publish: () => publishThroughput(sizes, profile),
    memory: () => memory(sizes, pool, profile),
    rest: () => rest(sizes, profile),
    startup: () => startup(sizes),
    routing: () => routing(sizes),
    cluster: () => clusterThroughput(sizes, pool),
    bindings: () => bindings(quick),
    'many-queues': () => manyQueues(quick, pool, profile),
  };
  for (const section of sections) {
    process.stderr.write(`${section}\n`);
    rows.push(...(await run[section]()));
  }
  process.stdout.write(`\n${formatTable(rows)}\n`);
  process.stderr.write(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  mkdirSync('.bench-tmp', { recursive: true });
  writeFileSync('.bench-tmp/results.json', `${JSON.stringify({ quick, rows }, null, 2)}\n`);
  finished = true;
}

main().catch((error: unknown) => {
  finished = true;
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
