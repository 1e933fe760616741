/** The one results table: figure, ours, baseline, ratio (ours / baseline) and goal. */

/** A goal on the ratio ours / baseline. */
export interface RatioGoal {
  /** `>=`: ours must reach `ratio` times the baseline; `<=`: at most that. */
  op: '>=' | '<=';
  ratio: number;
}

/** One line of the table. */
export interface ResultRow {
  figure: string;
  unit: string;
  ours: number;
  /** Absent for a figure with no baseline. */
  baseline?: number;
  goal?: RatioGoal;
  /** Goal text for figures whose goal is not a ratio. */
  goalText?: string;
}

/** Ours / baseline, when there is a baseline. */
export function ratioOf(row: ResultRow): number | undefined {
  return row.baseline === undefined ? undefined : row.ours / row.baseline;
}

/** Whether the row meets its ratio goal, when it has one. */
export function meets(row: ResultRow): boolean | undefined {
  const ratio = ratioOf(row);
  if (row.goal === undefined || ratio === undefined || Number.isNaN(ratio)) return undefined;
  return row.goal.op === '>=' ? ratio >= row.goal.ratio : ratio <= row.goal.ratio;
}

function formatNumber(value: number | undefined, unit: string): string {
  if (value === undefined) return '-';
  if (Number.isNaN(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
  return unit === '' ? text : `${text} ${unit}`;
}

function goalText(row: ResultRow): string {
  if (row.goal !== undefined) {
    const verdict = meets(row);
    const mark = verdict === undefined ? '' : verdict ? '  ok' : '  MISSED';
    return `${row.goal.op} ${row.goal.ratio}x${mark}`;
  }
  return row.goalText ?? '';
}

/** The rows as an aligned text table. */
export function formatTable(rows: readonly ResultRow[]): string {
  const header = ['figure', 'ours', 'baseline', 'ratio', 'goal'];
  const cells = rows.map((row) => {
    const ratio = ratioOf(row);
    return [
      row.figure,
      formatNumber(row.ours, row.unit),
      formatNumber(row.baseline, row.unit),
      ratio === undefined ? '-' : `${formatNumber(ratio, '')}x`,
      goalText(row),
    ];
  });
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((line) => line[i]!.length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) =>
        i === 0 || i === 4 ? value.padEnd(widths[i]!) : value.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join(
    '\n',
  );
}
