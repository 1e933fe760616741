/**
 * The backoff between the attempts of a request, shared by REST calls and storage requests: the
 * official taskcluster-client's arithmetic, so that its `retries`, `delayFactor`,
 * `randomizationFactor` and `maxDelay` options mean the same here.
 */

/** The retry settings of a client, checked and with their defaults applied. */
export interface RetryPolicy {
  /** Retries after the first attempt: a request is sent at most `retries + 1` times. */
  readonly retries: number;
  /** Milliseconds; the nominal delay before retry `n` is `2^n * delayFactor`. */
  readonly delayFactor: number;
  /** In `[0, 1)`: how far each delay may randomly stray from its nominal value, relatively. */
  readonly randomizationFactor: number;
  /** The longest delay in milliseconds, after randomization. */
  readonly maxDelay: number;
}

/**
 * The delay in milliseconds before retry number `retry` (1 for the first):
 * `min(2^retry * delayFactor * r, maxDelay)` with `r` uniform in
 * `[1 - randomizationFactor, 1 + randomizationFactor)`. With the defaults (100 ms, 0.25, 30 s)
 * the retries wait about 200, 400, 800, 1600 and 3200 ms.
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  const nominal = 2 ** retry * policy.delayFactor;
  const factor = 1 - policy.randomizationFactor + 2 * policy.randomizationFactor * random();
  return Math.min(nominal * factor, policy.maxDelay);
}

/**
 * Waits the {@link retryDelay} before retry number `retry` (1 for the first), or less: the wait
 * ends as soon as `signal` aborts (the caller then makes no further attempt).
 */
export function waitBeforeRetry(
  policy: RetryPolicy,
  retry: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, retryDelay(policy, retry));
    signal?.addEventListener('abort', done, { once: true });
  });
}
