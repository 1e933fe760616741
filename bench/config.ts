/**
 * The sizes of every benchmark, full and quick (`--quick`, the CI smoke run that only proves the
 * harness still works; its numbers are too small to mean much).
 */

/** One benchmark run's sizes. */
export interface BenchSizes {
  /** Messages pre-filled per consume-throughput trial. */
  consumeMessages: number;
  /** Rounds of (baseline, ours...) consume trials per prefetch; the median is reported. */
  consumeRounds: number;
  /** Publish rate of the latency benchmark, messages per second. */
  latencyRate: number;
  /** Seconds of steady publishing per latency trial. */
  latencySeconds: number;
  /** Rounds of (baseline, ours) latency trials. */
  latencyRounds: number;
  /** Backlog of the memory benchmark. */
  memoryBacklog: number;
  /** Seconds the slow consumer runs on that backlog. */
  memorySeconds: number;
  /** Authenticated GETs per REST trial. */
  restGets: number;
  /** POSTs with a 2 KB payload per REST trial. */
  restPosts: number;
  /** Calls per client before a REST trial's clock starts (connections, JIT). */
  restWarmup: number;
  /** Rounds of (baseline, ours) REST trials. */
  restRounds: number;
  /** Fresh processes per start-up measurement. */
  startupRepeats: number;
  /** Milliseconds of each routing micro-benchmark round. */
  routingRoundMs: number;
  /** Rounds of (baseline, ours) routing micro-benchmarks. */
  routingRounds: number;
  /** Messages pre-filled per cluster trial. */
  clusterMessages: number;
  /** Rounds of (baseline, ours) cluster trials per process count. */
  clusterRounds: number;
  /** Messages published per publish trial. */
  publishMessages: number;
  /** Rounds of (baseline, ours) publish trials. */
  publishRounds: number;
}

/** The sizes. */
export const FULL: BenchSizes = {
  consumeMessages: 50_000,
  consumeRounds: 3,
  latencyRate: 2_000,
  latencySeconds: 10,
  latencyRounds: 5,
  memoryBacklog: 1_000_000,
  memorySeconds: 30,
  restGets: 20_000,
  restPosts: 5_000,
  restWarmup: 3_000,
  restRounds: 3,
  startupRepeats: 11,
  routingRoundMs: 1_000,
  routingRounds: 5,
  clusterMessages: 50_000,
  clusterRounds: 2,
  publishMessages: 50_000,
  publishRounds: 3,
};

/** Small enough to finish in well under a minute. */
export const QUICK: BenchSizes = {
  consumeMessages: 4_000,
  consumeRounds: 1,
  latencyRate: 2_000,
  latencySeconds: 2,
  latencyRounds: 1,
  memoryBacklog: 50_000,
  memorySeconds: 2,
  restGets: 600,
  restPosts: 200,
  restWarmup: 50,
  restRounds: 1,
  startupRepeats: 3,
  routingRoundMs: 200,
  routingRounds: 2,
  clusterMessages: 2_000,
  clusterRounds: 1,
  publishMessages: 2_000,
  publishRounds: 1,
};

/** Prefetch values of the consume-throughput benchmark. */
export const CONSUME_PREFETCHES = [100, 1_000] as const;
/** The prefetch at which the consume benchmark runs every peer library (`peers.ts`). */
export const PEER_PREFETCH = 100;
/** Handler concurrencies of `handle()` in the consume-throughput benchmark. */
export const HANDLE_CONCURRENCIES = [1, 32] as const;
/**
 * Seconds of steady publishing before a latency trial starts counting: the first deliveries of a
 * fresh process (code not yet optimized, the connection's first frames) would otherwise set both
 * sides' p99.
 */
export const LATENCY_WARMUP_S = 1;
/** Prefetch of the latency and memory benchmarks. */
export const STEADY_PREFETCH = 100;
/** How long the memory benchmark's handler takes per message, in milliseconds. */
export const SLOW_HANDLER_MS = 50;
/** Handlers running at once in the memory benchmark (ours; the baseline runs one per prefetch slot). */
export const SLOW_CONCURRENCY = 100;
/** Confirms outstanding at once in the publish benchmark, ours and the baseline's. */
export const PUBLISH_WINDOW = 1_000;
/** REST calls in flight at once. */
export const REST_CONCURRENCY = 16;
/** Size of the POST payload, in bytes. */
export const REST_POST_BYTES = 2_048;
