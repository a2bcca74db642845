/**
 * Relative robustness score of Safarani et al. 2021 (§3, after Hendrycks & Dietterich):
 * (1/C)·Σ_c Ā_c(model)/Ā_c(Baseline), Ā_c the mean accuracy on corruption c over severity levels and seeds
 * (C = 14 for TIN-TC). The formula is from the paper; the public code only logs the per-level accuracies.
 */
import { ArgumentError, ShapeError } from '../errors.js';
import { bootstrapGroups, type BootstrapOptions, type BootstrapResult } from '../stats/bootstrap.js';

/** Accuracies per corruption name, indexed [level][seed]; every level of one model has the same seeds. */
export type CorruptionAccuracies = Readonly<Record<string, readonly (readonly number[])[]>>;

export interface RobustnessScore {
  score: number;
  /** Ā_c(model)/Ā_c(Baseline) per corruption. */
  perCorruption: Record<string, number>;
}

/**
 * Robustness score of `model` relative to `baseline` over `corruptions` (default: every corruption of `model`,
 * which the baseline must also have). Restrict to a category with `CORRUPTION_CATEGORIES[c]` (src/corrupt/catalogue.ts), keeping only the
 * corruptions that were evaluated.
 */
export function robustnessScore(model: CorruptionAccuracies, baseline: CorruptionAccuracies, corruptions: readonly string[] = Object.keys(model)): RobustnessScore {
  const names = checkCorruptions(model, baseline, corruptions);
  const perCorruption: Record<string, number> = {};
  let sum = 0;
  for (const c of names) {
    perCorruption[c] = meanAccuracy(model[c], c) / meanAccuracy(baseline[c], c);
    sum += perCorruption[c];
  }
  return { score: sum / names.length, perCorruption };
}

/**
 * Percentile bootstrap interval of the robustness score over seeds: each replicate resamples the model's seeds
 * and, independently, the baseline's, keeping each seed's accuracies together across corruptions and levels.
 */
export function robustnessScoreCI(model: CorruptionAccuracies, baseline: CorruptionAccuracies, corruptions: readonly string[] = Object.keys(model), opts: BootstrapOptions = {}): BootstrapResult {
  const names = checkCorruptions(model, baseline, corruptions);
  const seedsOf = (acc: CorruptionAccuracies, who: string): number[] => {
    const n = acc[names[0]][0].length;
    for (const c of names) {
      const bad = acc[c].find((level) => level.length !== n);
      if (bad) throw new ShapeError(`robustnessScoreCI: ${who} '${c}' has a level with ${bad.length} seeds, expected ${n} (as '${names[0]}' level 0)`);
    }
    return Array.from({ length: n }, (_, s) => s);
  };
  const pick = (acc: CorruptionAccuracies, seeds: number[]): CorruptionAccuracies =>
    Object.fromEntries(names.map((c) => [c, acc[c].map((level) => seeds.map((s) => level[s]))]));
  return bootstrapGroups([seedsOf(model, 'model'), seedsOf(baseline, 'baseline')],
    ([m, b]) => robustnessScore(pick(model, m), pick(baseline, b), names).score, opts);
}

function meanAccuracy(levels: readonly (readonly number[])[], c: string): number {
  let s = 0, n = 0;
  for (const level of levels) for (const a of level) { s += a; n++; }
  if (n === 0) throw new ArgumentError(`robustnessScore: no accuracies for '${c}'`);
  return s / n;
}

function checkCorruptions(model: CorruptionAccuracies, baseline: CorruptionAccuracies, corruptions: readonly string[]): string[] {
  if (corruptions.length === 0) throw new ArgumentError('robustnessScore: no corruptions');
  for (const c of corruptions) {
    if (!model[c]) throw new ShapeError(`robustnessScore: model has no accuracies for '${c}'`);
    if (!baseline[c]) throw new ShapeError(`robustnessScore: baseline has no accuracies for '${c}'`);
  }
  return [...corruptions];
}
