/**
 * 5. Start-up: a fresh process imports the package and constructs every client; ours and the
 * official `taskcluster-client` alternate, and the medians are reported.
 */

import { runWorker } from './child.js';
import type { BenchSizes } from './config.js';
import { progress } from './log.js';
import type { StartupResult, StartupTask } from './startup-worker.js';
import { median } from './stats.js';
import type { ResultRow } from './table.js';

const WORKER = new URL('./startup-worker.js', import.meta.url);

/** Runs the benchmark. */
export async function startup(sizes: BenchSizes): Promise<ResultRow[]> {
  const results: Record<StartupTask['kind'], StartupResult[]> = { ours: [], baseline: [] };
  for (let i = 0; i < sizes.startupRepeats; i++) {
    for (const kind of i % 2 === 0
      ? (['baseline', 'ours'] as const)
      : (['ours', 'baseline'] as const)) {
      results[kind].push(await runWorker<StartupResult>(WORKER, { kind } satisfies StartupTask));
    }
  }
  const of = (kind: StartupTask['kind'], pick: (result: StartupResult) => number) =>
    median(results[kind].map(pick));
  for (const kind of ['baseline', 'ours'] as const) {
    progress(
      `start-up ${kind}: import ${of(kind, (r) => r.importMs).toFixed(1)} ms, construct ${of(kind, (r) => r.constructMs).toFixed(1)} ms of ${results[kind][0]!.clients} clients`,
    );
  }
  const total = (result: StartupResult) => result.importMs + result.constructMs;
  return [
    {
      figure: 'start-up: import + construct all clients',
      unit: 'ms',
      ours: of('ours', total),
      baseline: of('baseline', total),
      goal: { op: '<=', ratio: 0.5 },
    },
    {
      figure: 'start-up: process start to clients ready',
      unit: 'ms',
      ours: of('ours', (result) => result.sinceProcessStartMs),
      baseline: of('baseline', (result) => result.sinceProcessStartMs),
    },
  ];
}
