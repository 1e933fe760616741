/**
 * Connecting for a short-lived program (a command, the demo). A long-running bot reconnects
 * forever; a command fails at once when the first connection cannot be made, with the broker's
 * (redacted) reason.
 */

import { ConnectFailedError } from './errors.js';
import type { ConnectionOptions } from './options.js';
import { connect, type PulseClient } from './pulse.js';
import { filter, firstValueFrom, map } from './rx.js';

const CANNOT_CONNECT = 'cannot connect to';

/**
 * Connects; rejects with the reason of the first failed attempt.
 * @throws {ConnectFailedError} when the first attempt fails (the message has no password).
 */
export async function connectOrFail(options: ConnectionOptions): Promise<PulseClient> {
  const pulse = connect(options);
  const firstFailure = firstValueFrom(
    pulse.status$.pipe(
      filter((status) => status.type === 'reconnecting'),
      map((status) => status.error),
    ),
    { defaultValue: undefined },
  );
  const outcome = await Promise.race([
    pulse.connected().then(() => undefined),
    firstFailure.then((error) => error),
  ]);
  if (outcome !== undefined) {
    await pulse.close();
    // The AMQP transport's reasons start with the same words and name the broker already
    // (redacted: the broker may show as `***` where the user name equals the password).
    throw new ConnectFailedError(
      outcome.startsWith(CANNOT_CONNECT)
        ? outcome
        : `${CANNOT_CONNECT} ${pulse.broker}: ${outcome}`,
    );
  }
  return pulse;
}
