/** 6. Routing: bindings built and routing keys parsed per second (see the routing worker). */

import { runWorker } from './child.js';
import type { BenchSizes } from './config.js';
import type { RoutingResult, RoutingTask } from './routing-worker.js';
import type { ResultRow } from './table.js';

const WORKER = new URL('./routing-worker.js', import.meta.url);

/** Runs the benchmark. */
export async function routing(sizes: BenchSizes): Promise<ResultRow[]> {
  const result = await runWorker<RoutingResult>(WORKER, {
    roundMs: sizes.routingRoundMs,
    rounds: sizes.routingRounds,
  } satisfies RoutingTask);
  return [
    {
      figure: 'routing: build taskCompleted({ taskGroupId })',
      unit: 'op/s',
      ours: result.buildOurs,
      baseline: result.buildBaseline,
      goalText: 'faster',
    },
    {
      figure: "routing: parse a routing key (baseline: split('.'))",
      unit: 'op/s',
      ours: result.parseOurs,
      baseline: result.parseSplit,
      goalText: 'no official parser',
    },
  ];
}
