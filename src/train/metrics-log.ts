/** Metrics as JSON lines, appended and flushed per record so a crash loses at most the line in flight. */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export type MetricRecord = Record<string, number | string | boolean | null>;

export class MetricsLog {
  constructor(readonly path: string) {}

  append(rec: MetricRecord): void {
    appendFileSync(this.path, JSON.stringify(rec) + '\n');
  }

  read(): MetricRecord[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as MetricRecord);
  }

  /** Drops records past `step` (used on resume, so replayed steps are not logged twice). */
  truncateAfter(step: number): void {
    const keep = this.read().filter((r) => typeof r.step !== 'number' || r.step <= step);
    writeFileSync(this.path, keep.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}
