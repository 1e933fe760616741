/**
 * Counters and timings of a Pulse client, kept as plain numbers (incrementing one costs
 * nothing on the hot path) and read as snapshots: as an Observable, or by a prom-client
 * registry the user passes in (prom-client stays optional: the shapes used are declared here, so
 * the declarations need no prom-client types).
 */

import type { Observable } from 'rxjs';
import { interval, map, startWith } from './rx.js';

/** A snapshot of the counters; every count is since the client was created. */
export interface PulseMetricsSnapshot {
  /** Messages delivered by the broker (including redeliveries). */
  delivered: number;
  /** Messages acknowledged. */
  acked: number;
  /** Messages handed back to the broker (nack with requeue, or left when a consumer closed). */
  requeued: number;
  /**
   * Messages given another attempt after a failed one: sent to the retry queue, or (on an
   * exclusive queue) held by the process for it.
   */
  retried: number;
  /** Messages sent to the dead-letter queue (failed every attempt, or poison). */
  deadLettered: number;
  /** Of those, messages that could not be decoded (not JSON, unknown exchange, bad key...). */
  poison: number;
  /** Handler calls that resolved. */
  handled: number;
  /** Handler calls that threw or timed out. */
  failed: number;
  /** Handler calls running now. */
  inFlight: number;
  /** Connections lost and reopened. */
  reconnects: number;
  /** Messages published and confirmed. */
  published: number;
  /** Published messages the broker returned as unroutable. */
  returned: number;
  /** Total handler time, in milliseconds. */
  handlerTimeTotalMs: number;
  /** Longest handler call, in milliseconds. */
  handlerTimeMaxMs: number;
}

/** Default period of {@link PulseMetrics.snapshots}, in milliseconds. */
export const DEFAULT_METRICS_INTERVAL_MS = 10_000;

/** Bucket bounds (seconds) of the prom-client handler duration histogram. */
export const HANDLER_DURATION_BUCKETS_S = [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600];

/** What a prom-client counter's `collect` sees as `this`. */
interface CollectedCounter {
  reset(): void;
  inc(value: number): void;
}

/** What a prom-client gauge's `collect` sees as `this`. */
interface CollectedGauge {
  set(value: number): void;
}

/** A prom-client histogram, as the handler timing uses it. */
export interface PromHistogram {
  observe(value: number): void;
}

/**
 * The parts of the prom-client module {@link PulseMetrics.register} uses: its `Counter`,
 * `Gauge` and `Histogram` classes, registering with a registry of type `R`. The module itself
 * fits (`import * as promClient from 'prom-client'`).
 */
export interface PromClientClasses<R> {
  Counter: new (configuration: {
    name: string;
    help: string;
    registers: R[];
    collect: (this: CollectedCounter) => void;
  }) => unknown;
  Gauge: new (configuration: {
    name: string;
    help: string;
    registers: R[];
    collect: (this: CollectedGauge) => void;
  }) => unknown;
  Histogram: new (configuration: {
    name: string;
    help: string;
    buckets: number[];
    registers: R[];
  }) => PromHistogram;
}

/** The counters of one Pulse client. */
export class PulseMetrics {
  readonly counts: PulseMetricsSnapshot = {
    delivered: 0,
    acked: 0,
    requeued: 0,
    retried: 0,
    deadLettered: 0,
    poison: 0,
    handled: 0,
    failed: 0,
    inFlight: 0,
    reconnects: 0,
    published: 0,
    returned: 0,
    handlerTimeTotalMs: 0,
    handlerTimeMaxMs: 0,
  };
  #histogram: PromHistogram | undefined;

  /** Records one handler call's duration. */
  recordHandlerTime(ms: number): void {
    this.counts.handlerTimeTotalMs += ms;
    if (ms > this.counts.handlerTimeMaxMs) this.counts.handlerTimeMaxMs = ms;
    this.#histogram?.observe(ms / 1000);
  }

  /** A copy of the counters now. */
  snapshot(): PulseMetricsSnapshot {
    return { ...this.counts };
  }

  /** Snapshots every `periodMs` milliseconds, starting with one at once. */
  snapshots(periodMs: number = DEFAULT_METRICS_INTERVAL_MS): Observable<PulseMetricsSnapshot> {
    return interval(periodMs).pipe(
      startWith(0),
      map(() => this.snapshot()),
    );
  }

  /**
   * Registers the counters in a prom-client registry, named `<prefix>_<counter>`.
   * Pass the prom-client module you use, so this package does not depend on it.
   */
  register<R>(registry: R, promClient: PromClientClasses<R>, prefix = 'taskcluster_pulse'): void {
    const counts = this.counts;
    const counter = (name: keyof PulseMetricsSnapshot, help: string) =>
      new promClient.Counter({
        name: `${prefix}_${snake(name)}_total`,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(counts[name]);
        },
      });
    counter('delivered', 'Messages delivered by the broker');
    counter('acked', 'Messages acknowledged');
    counter('requeued', 'Messages handed back to the broker');
    counter('retried', 'Messages given another attempt after a failed one');
    counter('deadLettered', 'Messages sent to the dead-letter queue');
    counter('poison', 'Messages that could not be decoded');
    counter('handled', 'Handler calls that resolved');
    counter('failed', 'Handler calls that failed');
    counter('reconnects', 'Connections lost and reopened');
    counter('published', 'Messages published and confirmed');
    counter('returned', 'Published messages returned as unroutable');
    new promClient.Gauge({
      name: `${prefix}_in_flight`,
      help: 'Handler calls running now',
      registers: [registry],
      collect() {
        this.set(counts.inFlight);
      },
    });
    this.#histogram = new promClient.Histogram({
      name: `${prefix}_handler_duration_seconds`,
      help: 'Duration of handler calls',
      buckets: [...HANDLER_DURATION_BUCKETS_S],
      registers: [registry],
    });
  }
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
