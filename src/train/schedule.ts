/** Learning-rate schedules, evaluated per epoch (the papers' recipes are per epoch). */
import { ReduceLROnPlateau, type PlateauState } from './early-stopping.js';

export type ScheduleConfig =
  | { kind: 'constant' }
  | { kind: 'step'; milestones: number[]; gamma: number }
  | { kind: 'cosine'; epochs: number; minLr?: number }
  | { kind: 'plateau'; factor: number; patience: number; threshold?: number; mode: 'min' | 'max'; minLr?: number };

export class LrSchedule {
  /** The plateau schedule is the shared ReduceLROnPlateau (torch semantics, relative threshold, default 1e-4). */
  readonly #plateau: ReduceLROnPlateau | null;

  constructor(readonly baseLr: number, readonly cfg: ScheduleConfig) {
    this.#plateau = cfg.kind === 'plateau'
      ? new ReduceLROnPlateau(baseLr, { mode: cfg.mode, factor: cfg.factor, patience: cfg.patience, threshold: cfg.threshold ?? 1e-4,
        thresholdMode: 'rel', minLr: cfg.minLr ?? 0 })
      : null;
  }

  /** The learning rate for `epoch` (0-based). Plateau schedules change only through `observe`. */
  at(epoch: number): number {
    const c = this.cfg;
    switch (c.kind) {
      case 'constant': return this.baseLr;
      case 'step': return this.baseLr * c.gamma ** c.milestones.filter((m) => epoch >= m).length;
      case 'cosine': {
        const min = c.minLr ?? 0;
        return min + (this.baseLr - min) * 0.5 * (1 + Math.cos((Math.PI * Math.min(epoch, c.epochs)) / c.epochs));
      }
      case 'plateau': return this.#plateau!.lr;
    }
  }

  /** Feeds the validation metric once per epoch (plateau schedules only). */
  observe(metric: number): void {
    this.#plateau?.step(metric);
  }

  state(): PlateauState { return this.#plateau?.state() ?? { lr: this.baseLr, best: null, bad: 0 }; }
  load(s: PlateauState): void { this.#plateau?.load(s); }
}
