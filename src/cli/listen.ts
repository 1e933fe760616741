/**
 * `tc-pulse listen <service>.<exchange>`: binds a queue (exclusive, or the durable `--queue`) to
 * the exchange with the routing-key filter (or `--route` for task routes), and prints messages
 * as they arrive until `--count` messages or a signal. Each message is acknowledged once printed.
 * `--with-task` adds the definition of the task each message is about, from the REST API.
 */

import { connectOrFail } from '../consumer/connect-or-fail.js';
import type { Message } from '../consumer/message.js';
import { concatMap, filter, firstValueFrom, map } from '../consumer/rx.js';
import type { TaskDefinition as Task } from '../index.js';
import { bindingOfFlags } from './binding-flags.js';
import { CLI_CONNECTION_NAME, chooseBroker } from './broker.js';
import { CliUsageError } from './errors.js';
import { messageAsJson, messageAsText } from './format.js';
import type { CommandIo } from './io.js';
import { taskLookup } from './task-details.js';

/** Options of `listen`. */
export interface ListenOptions {
  url?: string;
  namespace?: string;
  exchangePrefix?: string;
  route?: string;
  queue?: string;
  count?: number;
  json?: boolean;
  /** Add each message's task definition, from the deployment in `TASKCLUSTER_*`. */
  withTask?: boolean;
}

/** Runs `listen`; resolves when done (count reached or stopped). */
export async function listen(
  reference: string,
  fieldWords: readonly string[],
  options: ListenOptions,
  io: CommandIo,
): Promise<void> {
  const binding = await bindingOfFlags(reference, fieldWords, options);
  const lookup = options.withTask ? taskLookup(io.env) : undefined;
  const print = async (message: Message): Promise<void> => {
    let task: Task | undefined;
    try {
      task = await lookup?.(message.payload);
    } catch (error) {
      io.err(`warning: no task details: ${error instanceof Error ? error.message : String(error)}`);
    }
    io.out(
      options.json
        ? messageAsJson(reference, message, task)
        : messageAsText(reference, message, task),
    );
  };
  const pulse = await connectOrFail({
    ...chooseBroker(options, io.env),
    connectionName: CLI_CONNECTION_NAME,
  });
  try {
    const problem = firstValueFrom(
      pulse.status$.pipe(
        filter((s) => s.type === 'binding-failed' || s.type === 'setup-failed'),
        map((s) => ('error' in s ? s.error.message : 'set-up failed')),
      ),
      { defaultValue: undefined },
    );
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      const subscription = pulse
        .consume({
          bindings: [binding],
          ...(options.queue === undefined ? {} : { queueName: options.queue }),
        })
        .pipe(
          // One at a time, so messages print in the order they came.
          concatMap(async (message) => {
            await print(message);
            message.ack();
          }),
        )
        .subscribe({
          next() {
            seen++;
            if (options.count !== undefined && seen >= options.count) {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
      pulse.status$.pipe(filter((s) => s.type === 'consuming')).subscribe(() => {
        io.err(
          `listening on ${binding.exchange} with ${binding.routingKeyPattern} (${pulse.broker})`,
        );
      });
      void problem.then((error) => {
        if (error !== undefined) {
          subscription.unsubscribe();
          reject(new CliUsageError(`cannot listen on ${binding.exchange}: ${error}`));
        }
      });
      io.onStop(() => {
        subscription.unsubscribe();
        resolve();
      });
    });
  } finally {
    await pulse.close();
  }
}
