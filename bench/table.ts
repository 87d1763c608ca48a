/** Markdown tables and the number formats the benchmarks print. */

/** A titled markdown table: a header row, then the rows, then notes as a paragraph. */
export interface BenchTable {
  title: string;
  header: string[];
  rows: string[][];
  notes?: string[];
}

/** Renders `table` as markdown (a `###` title, the table, its notes). */
export function renderTable({ title, header, rows, notes = [] }: BenchTable): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [`### ${title}`, '', line(header), line(align), ...rows.map(line), '', ...notes.map((note) => `${note}  `), ''].join('\n');
}

/** `1234567` -> `1,234,567` (no decimals). */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Megabytes (10^6 bytes) with one decimal. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A ratio "ours / theirs" as `1.23×`. */
export function ratio(ours: number, theirs: number): string {
  return `${(ours / theirs).toFixed(2)}×`;
}

/** Milliseconds with two decimals. */
export function millis(ms: number): string {
  return `${ms.toFixed(2)} ms`;
}

/** The `q` quantile (0..1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Whether a target of the issue is met in this run, as a table cell. */
export function verdict(ok: boolean): string {
  return ok ? 'met' : '**missed**';
}
