/**
 * 5. Start-up: a fresh process imports the package and constructs every client, then makes a
 * first slugId and signs a first URL; ours and the official `taskcluster-client` alternate, and
 * the medians are reported.
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
      `start-up ${kind}: import ${of(kind, (r) => r.importMs).toFixed(1)} ms, construct ${of(kind, (r) => r.constructMs).toFixed(1)} ms of ${results[kind][0]!.clients} clients, first slugId and signed URL ${of(kind, (r) => r.firstUseMs).toFixed(1)} ms`,
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
    {
      // Ours loads slugid and hawk here, on first use; the official client did at import.
      figure: 'start-up: then the first slugId and signed URL',
      unit: 'ms',
      ours: of('ours', (result) => result.firstUseMs),
      baseline: of('baseline', (result) => result.firstUseMs),
    },
    {
      figure: 'start-up: import, construct, first slugId and signed URL',
      unit: 'ms',
      ours: of('ours', (result) => total(result) + result.firstUseMs),
      baseline: of('baseline', (result) => total(result) + result.firstUseMs),
    },
  ];
}
