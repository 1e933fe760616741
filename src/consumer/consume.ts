/**
 * `consume()`: a queue's messages as an Observable. Subscribing declares, binds and consumes;
 * unsubscribing cancels the consumer and closes its channel (unsettled messages are requeued).
 */

import type { Observable } from 'rxjs';
import type { Binding } from '../exchanges/types.js';
import type { ConnectionManager } from './connection.js';
import { QueueConsumer } from './consumer.js';
import type { MessageOf } from './message.js';
import type { PulseMetrics } from './metrics.js';
import type { ConsumerOptions } from './options.js';
import { observable } from './rx.js';
import { checkConsumerOptions } from './validate.js';

/** The messages of a queue bound to `options.bindings`, typed by those bindings. */
export function consume<B extends Binding<unknown, unknown>>(
  manager: ConnectionManager,
  namespace: string,
  options: ConsumerOptions<B>,
  metrics: PulseMetrics,
): Observable<MessageOf<B>> {
  checkConsumerOptions(options);
  return observable<MessageOf<B>>((subscriber) => {
    const consumer = new QueueConsumer(
      manager,
      namespace,
      options,
      {
        // The decoded message is exactly a MessageOf<B>: its payload and routing come from B.
        next: subscriber.next.bind(subscriber) as (message: unknown) => void,
        error: (error) => subscriber.error(error),
      },
      metrics,
    );
    manager.register(consumer).catch((error: unknown) => subscriber.error(error));
    return () => void consumer.stop(0);
  });
}
