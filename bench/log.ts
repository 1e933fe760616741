/** Progress lines go to stderr, so stdout holds only the results table. */

/** Writes one progress line. */
export function progress(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

/** Formats a rate for progress lines. */
export function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}
