/**
 * Fig. 3A of Safarani et al. 2021: the robustness score per corruption category (noise, blur, weather, digital;
 * Hendrycks & Dietterich's groups, src/corrupt/catalogue.ts). A category's score is the mean of Ā_c(run)/Ā_c(baseline)
 * over its scored corruptions, so the overall score is the count-weighted mean of the category scores:
 * (1/C)·Σ_c r_c = Σ_k (C_k/C)·score_k.
 */
import { CORRUPTION_CATEGORIES, type CorruptionCategory } from '../corrupt/catalogue.js';
import { ArgumentError } from '../errors.js';

export interface CategoryScore { score: number; corruptions: string[] }

/** Category → score over the categories' corruptions among `scored` (categories without any are left out). */
export function categoryScores(perCorruption: Readonly<Record<string, number>>, scored: readonly string[]): Partial<Record<CorruptionCategory, CategoryScore>> {
  const out: Partial<Record<CorruptionCategory, CategoryScore>> = {};
  const placed = new Set<string>();
  for (const [cat, names] of Object.entries(CORRUPTION_CATEGORIES) as [CorruptionCategory, readonly string[]][]) {
    const here = scored.filter((c) => names.includes(c));
    if (!here.length) continue;
    for (const c of here) placed.add(c);
    out[cat] = { score: here.reduce((s, c) => s + perCorruption[c], 0) / here.length, corruptions: here };
  }
  const lost = scored.filter((c) => !placed.has(c));
  if (lost.length) throw new ArgumentError(`categoryScores: ${lost.join(', ')} belong to no category`);
  return out;
}

/** The overall score back from the category scores (count-weighted mean). */
export function combineCategories(cats: Partial<Record<CorruptionCategory, CategoryScore>>): number {
  let s = 0, n = 0;
  for (const c of Object.values(cats)) { s += c.score * c.corruptions.length; n += c.corruptions.length; }
  return s / n;
}
