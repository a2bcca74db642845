/**
 * Result records shared by the co-training protocol runner (part A) and the
 * robustness report (part B). Kept in its own tiny module so that both sides
 * can depend on the shape without importing each other's machinery.
 */

/** One trained model (one run, one seed) evaluated on clean and corrupted images. */
export interface RunSeedResult {
  seed: number;
  /** Top-1 accuracy on the clean test set, in [0, 1]. */
  clean: number;
  /** [corruption][severity-1] */
  acc: Record<string, number[]>;
  /** Neural predictivity on held-out data, present for runs that have a neural head. */
  neural?: { corr: number; fevE: number };
}

/** Everything the report needs: the reference run's name, all runs by name, and free-form metadata. */
export interface ProtocolResults {
  /** Name (key of `runs`) of the run that robustness scores are normalised by. */
  baseline: string;
  runs: Record<string, RunSeedResult[]>;
  meta: Record<string, unknown>;
}
