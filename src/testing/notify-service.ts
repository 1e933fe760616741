/**
 * The simulated notify service: `email`, `pulse`, `matrix` and `slack` notifications are
 * checked (schema, scopes) and recorded for tests to assert on; nothing is sent anywhere.
 */
import { notifyTable } from '../client/generated/notify.js';
import { type MethodHandler, registerApiMethods } from './api-methods.js';
import type { ApiServer } from './api-server.js';
import type { JsonObject } from './queue-types.js';

/** The kinds of notification, by the notify method that sends them. */
export type NotificationType = 'email' | 'pulse' | 'matrix' | 'slack';

/** A notification the simulated notify service was asked to send. */
export interface SimulatedNotification {
  /** The notify method. */
  type: NotificationType;
  /** The request payload as sent (`email-request.json`, `pulse-request.json`, ...). */
  request: JsonObject;
  /** The client that asked for it; `undefined` for an unauthenticated request. */
  clientId: string | undefined;
  /** When it was asked for, in the server's clock (ISO 8601). */
  time: string;
}

/** Where each kind of notification goes: the payload field its scope names. */
const TARGETS: Record<NotificationType, string> = {
  email: 'address',
  pulse: 'routingKey',
  matrix: 'roomId',
  slack: 'channelId',
};

/** The notifications of the simulated deployment. */
export class SimulatedNotify {
  /** Every notification asked for, in order. */
  readonly sent: SimulatedNotification[] = [];
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** The notifications of one kind, in order. */
  ofType(type: NotificationType): SimulatedNotification[] {
    return this.sent.filter((notification) => notification.type === type);
  }

  /** Registers the notify service's sending methods. */
  register(server: ApiServer): Promise<void> {
    const record =
      (type: NotificationType): MethodHandler =>
      (ctx) => {
        const request = ctx.body as JsonObject;
        ctx.authorize({ [TARGETS[type]]: String(request[TARGETS[type]]) });
        this.sent.push({
          type,
          request: structuredClone(request),
          clientId: ctx.clientId,
          time: new Date(this.#now()).toISOString(),
        });
        return { json: {} };
      };
    return registerApiMethods(server, notifyTable, {
      email: record('email'),
      pulse: record('pulse'),
      matrix: record('matrix'),
      slack: record('slack'),
    });
  }
}
