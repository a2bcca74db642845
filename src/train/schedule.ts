/** Learning-rate schedules, evaluated per epoch (the papers' recipes are per epoch). */

export type ScheduleConfig =
  | { kind: 'constant' }
  | { kind: 'step'; milestones: number[]; gamma: number }
  | { kind: 'cosine'; epochs: number; minLr?: number }
  | { kind: 'plateau'; factor: number; patience: number; threshold?: number; mode: 'min' | 'max'; minLr?: number };

export class LrSchedule {
  #lr: number;
  #best: number | null = null;
  #bad = 0;

  constructor(readonly baseLr: number, readonly cfg: ScheduleConfig) {
    this.#lr = baseLr;
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
      case 'plateau': return this.#lr;
    }
  }

  /** ReduceLROnPlateau (torch semantics, relative threshold): feed the validation metric once per epoch. */
  observe(metric: number): void {
    const c = this.cfg;
    if (c.kind !== 'plateau') return;
    const th = c.threshold ?? 1e-4;
    const better = this.#best === null || (c.mode === 'min' ? metric < this.#best * (1 - th) : metric > this.#best * (1 + th));
    if (better) { this.#best = metric; this.#bad = 0; return; }
    if (++this.#bad > c.patience) {
      this.#lr = Math.max(this.#lr * c.factor, c.minLr ?? 0);
      this.#bad = 0;
    }
  }

  state(): { lr: number; best: number | null; bad: number } { return { lr: this.#lr, best: this.#best, bad: this.#bad }; }
  load(s: { lr: number; best: number | null; bad: number }): void { this.#lr = s.lr; this.#best = s.best; this.#bad = s.bad; }
}
