/**
 * The counts each scenario reconciles, printed as one line per scenario so that a run's
 * numbers can be copied into the README. `RELIABILITY_SOAK=1` selects the long sizes.
 */

/** True in soak mode (`RELIABILITY_SOAK=1`): bigger sizes, longer runs. */
export const SOAK = process.env.RELIABILITY_SOAK === '1';

/** The quick size in CI, the soak size in soak mode. */
export function size(quick: number, soak: number): number {
  return SOAK ? soak : quick;
}

/** Prints a scenario's counts. */
export function recordCounts(scenario: string, counts: object): void {
  console.log(`[reliability] ${scenario} ${JSON.stringify(counts)}`);
}
