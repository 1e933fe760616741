/**
 * The consumer loads RxJS when first used, from rxjs's CommonJS build; its streams must still be
 * instances of the classes users import from 'rxjs', and work with users' operators.
 */

import { firstValueFrom, Observable, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createMemoryBroker } from '../../src/broker/memory/memory-broker.js';
import { connect } from '../../src/consumer/pulse.js';
import { QueueEvents } from '../../src/exchanges/generated/queue-events.js';

describe("the consumer's RxJS", () => {
  it('is the rxjs users import: every stream is their Observable and takes their operators', async () => {
    const pulse = connect({ broker: createMemoryBroker().transport(), namespace: 'rxjs' });
    try {
      const streams = [
        pulse.status$,
        pulse.health$,
        pulse.metrics.snapshots(10),
        pulse.consume({ queueName: 'rxjs', bindings: [new QueueEvents().taskDefined({})] }),
        pulse.publisher().returned$,
      ];
      for (const stream of streams) expect(stream).toBeInstanceOf(Observable);
      const snapshots = await firstValueFrom(pulse.metrics.snapshots(10).pipe(take(2), toArray()));
      expect(snapshots).toHaveLength(2);
    } finally {
      await pulse.close();
    }
  });
});
