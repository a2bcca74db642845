/**
 * A training recipe and the optimiser it names. `Recipe` is the co-training paper's per-run recipe (optimiser, rate,
 * ReduceLROnPlateau, early stopping with restarts; neural_cotraining's configs); `buildOptimizer` is the one place
 * an optimiser is made from a configuration, for `train` (TrainConfig.train) and for the recipes alike.
 */
import { z } from 'zod';
import { SGD } from '../optim/sgd.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';

const int = () => z.number().int();

export const recipeSchema = z.object({
  optimizer: z.enum(['sgd', 'adam']),
  lr: z.number().positive(),
  /** SGD momentum (0.75 in the recipes); ignored by Adam. */
  momentum: z.number().min(0).max(1),
  weightDecay: z.number().nonnegative(),
  /** Epochs at most (max_iter). */
  maxEpochs: int().positive(),
  plateau: z.object({
    factor: z.number().gt(0).lt(1),
    patience: int().nonnegative(),
    threshold: z.number().nonnegative(),
    thresholdMode: z.enum(['rel', 'abs']),
    minLr: z.number().nonnegative(),
  }).strict(),
  stopping: z.object({
    patience: int().nonnegative(),
    tolerance: z.number().nonnegative(),
    /** Early-stopping rounds, each ending with the best weights restored (lr_decay_steps). */
    restarts: int().positive(),
  }).strict(),
}).strict();

export type Recipe = z.infer<typeof recipeSchema>;

export interface OptimizerSpec {
  /** 'adam' adds the weight decay to the gradients (torch.optim.Adam), 'adamw' decouples it (torch.optim.AdamW). */
  optimizer: 'sgd' | 'adam' | 'adamw';
  lr: number;
  /** SGD only. */
  momentum: number;
  /** SGD only (default false). */
  nesterov?: boolean;
  weightDecay: number;
}

export function buildOptimizer(s: OptimizerSpec, params: Tensor[]): Optimizer {
  if (s.optimizer === 'sgd') return new SGD(params, { lr: s.lr, momentum: s.momentum, nesterov: s.nesterov ?? false, weightDecay: s.weightDecay });
  return new Adam(params, { lr: s.lr, weightDecay: s.weightDecay, decoupled: s.optimizer === 'adamw' });
}
