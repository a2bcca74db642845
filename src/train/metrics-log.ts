/**
 * Metrics as JSON lines, appended in full per record, so a crash loses at most the line in flight. A line cut off
 * by a crash (the file does not end with a newline) is a torn tail: ignored when reading, dropped on resume.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CortexError } from '../errors.js';
import { appendFileFull, writeFileAtomic } from '../io/fs.js';

export type MetricRecord = Record<string, number | string | boolean | null>;

export class MetricsError extends CortexError {}

export class MetricsLog {
  constructor(readonly path: string) {}

  append(rec: MetricRecord): void {
    appendFileFull(this.path, JSON.stringify(rec) + '\n');
  }

  read(): MetricRecord[] {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, 'utf8');
    const lines = text.split('\n');
    lines.pop(); // '' after the last newline, or the torn tail of a record cut off mid-write
    return lines.flatMap((l, i) => {
      if (!l) return [];
      try {
        return [JSON.parse(l) as MetricRecord];
      } catch (e) {
        throw new MetricsError(`${this.path}: line ${i + 1} is not JSON (${(e as Error).message})`);
      }
    });
  }

  /** Drops records past `step` and any torn tail (used on resume, so replayed steps are not logged twice). */
  truncateAfter(step: number): void {
    const keep = this.read().filter((r) => typeof r.step !== 'number' || r.step <= step);
    writeFileAtomic(this.path, Buffer.from(keep.map((r) => JSON.stringify(r) + '\n').join(''), 'utf8'));
  }
}
