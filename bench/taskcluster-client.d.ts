/**
 * The few shapes of the official `taskcluster-client` package (which ships no types) that the
 * baselines use.
 */
declare module 'taskcluster-client' {
  /** Options of every client class. */
  export interface BaselineClientOptions {
    rootUrl: string;
    credentials?: { clientId: string; accessToken: string };
    /** http.Agent options (the package's default agent does not keep connections alive). */
    agent?: { keepAlive?: boolean; maxSockets?: number };
    retries?: number;
  }

  /** A binding as the package's exchange methods return it. */
  export interface BaselineBinding {
    exchange: string;
    routingKeyPattern: string;
    routingKeyReference: unknown;
  }

  /** Any client class of the package. */
  export type BaselineClientClass = new (options: BaselineClientOptions) => object;

  /** The package's default export: every client class, and more. */
  const taskcluster: {
    Queue: new (
      options: BaselineClientOptions,
    ) => {
      task(taskId: string): Promise<unknown>;
      /** A bewit URL of a GET method (given as the method itself). */
      buildSignedUrl(method: unknown, ...args: unknown[]): string;
    };
    Hooks: new (
      options: BaselineClientOptions,
    ) => { triggerHook(hookGroupId: string, hookId: string, payload: unknown): Promise<unknown> };
    QueueEvents: new (
      options: BaselineClientOptions,
    ) => { taskCompleted(filter?: Record<string, string>): BaselineBinding };
  };
  export default taskcluster;
  /** Every client class, by name. */
  export const clients: Record<string, BaselineClientClass>;
  /** A new nice slugid. */
  export function slugid(): string;
}
