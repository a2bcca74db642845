/**
 * The runs of Safarani et al. 2021 (Table 1; sinzlab/neural_cotraining with the Shahdsaf/nntransfer_recipes configs), each for one seed:
 *   Baseline          classification only (clean synth-objects), SGD, plateau + early stopping on validation accuracy;
 *   Monkey-Predictor  single-task neural model on sim-v1 (Adam, Σ Poisson·√(N/B) + γ·L1, LongCycler over sessions,
 *                     early stopping on validation correlation); its responses label every classification image;
 *   MTL-Monkey        co-training on those predicted responses: weighted CE + weighted MSE, MTL_Cycler ratio 1;
 *   MTL-Shuffled      the same with the responses shuffled across images;
 *   Oracle            1:1 clean/corrupted views + cosine consistency at conv3_1 (oracle.ts), then the block through
 *                     relu3_1 frozen, the rest re-initialised and retrained on clean images;
 *   MTL-Oracle        co-training on the responses of a Gaussian readout fitted on the frozen Oracle (sim-v1).
 * Every function returns its trained model (the caller disposes it) and the training summaries.
 */
import type { Engine } from '../engine.js';
import type { MtlVgg } from '../models/mtl.js';
import type { DataLoader } from '../data/loader.js';
import { add } from '../ops/elementwise.js';
import { crossEntropy } from '../ops/softmax.js';
import { permutation } from '../stats/bootstrap.js';
import { streamKey } from '../random/pcg.js';
import type { CotrainConfig } from './config.js';
import type { Recipe } from '../train/recipe.js';
import {
  classificationTask, firstBatchMeans, neuralTasks, shuffledResponses, simResponseSet, standardize, standardizedTransform,
  type ClassificationData, type NeuralData, type ResponseSet,
} from './data.js';
import { scaledPoissonLoss, UncertaintyWeighting } from './losses.js';
import { accuracy, buildModel, predictAll, trainMode, validationCorrelation } from './model.js';
import { oracleTask } from './oracle.js';
import { trainLoop, type EpochRecord, type LoopOptions, type LoopResult } from '../train/train-loop.js';
import type { RunCheckpoint } from '../train/loop-checkpoint.js';
import type { Tensor } from '../tensor/tensor.js';

export const RUN_NAMES = ['Baseline', 'Monkey-Predictor', 'MTL-Monkey', 'MTL-Shuffled', 'Oracle', 'MTL-Oracle'] as const;
export type RunName = (typeof RUN_NAMES)[number];

export interface RunContext {
  engine: Engine;
  config: CotrainConfig;
  cls: ClassificationData;
  neural: NeuralData;
  seed: number;
  log: (msg: string) => void;
  /** The run's checkpoint (one file per run and seed); without it nothing is saved during training. */
  store?: RunCheckpoint;
  /** Called after every epoch of every phase. */
  onEpoch?: (phase: string, rec: EpochRecord) => void;
}

/** The trainLoop options that checkpoint phase `phase` of the run (none without a store). */
function checkpointing(ctx: RunContext, phase: string, model: MtlVgg, loaders: Record<string, DataLoader> | Map<string, DataLoader>,
  extra?: ReadonlyMap<string, Tensor>): Pick<LoopOptions, 'checkpoint' | 'onEpoch'> {
  const onEpoch = ctx.onEpoch ? (rec: EpochRecord) => ctx.onEpoch!(phase, rec) : undefined;
  if (!ctx.store) return { onEpoch };
  const map = loaders instanceof Map ? loaders : new Map(Object.entries(loaders));
  return { checkpoint: { store: ctx.store, phase, loaders: map, extra, rng: model.rng }, onEpoch };
}

export interface Trained { model: MtlVgg; loops: Record<string, LoopResult>; extra?: Record<string, unknown> }

/** The classification task's (and its loader's) name. */
const task0 = 'img_classification';

/** Offsets that keep the loaders and initialisations of the phases of one seed apart. */
const SALT = { neural: 101, mtl: 202, oracle: 303, head: 404, readout: 505, shuffle: 606, reinit: 7919 } as const;

async function closeAll(loaders: Iterable<DataLoader>): Promise<void> {
  for (const l of loaders) await l.close();
}

/** Plain cross-entropy training of `model`'s classification path (Baseline, and the Oracle's retrained head). */
async function trainClassifier(ctx: RunContext, model: MtlVgg, recipe: Recipe, name: string, phase: string,
  opts: { maxEpochs?: number; frozenBlock?: boolean; salt?: number } = {}): Promise<LoopResult> {
  const { engine, config: c, cls } = ctx;
  const { task, loader } = classificationTask(engine, cls, standardizedTransform(c, cls), c.batchSize, ctx.seed + (opts.salt ?? 0),
    (x, y) => crossEntropy(model.classify(x), y), ctx.store?.loaderStart(phase, task0));
  try {
    return await trainLoop(engine, {
      name: `[seed ${ctx.seed}] ${name}`, model, params: model.trainableParameters(), recipe, maxEpochs: opts.maxEpochs,
      main: null, others: [task], cyclesPerEpoch: loader.batchesPerEpoch, mode: 'max',
      evaluate: () => accuracy(engine, model, cls, 'val', c.evalBatchSize), trainMode: () => trainMode(model, opts.frozenBlock ?? false), log: ctx.log,
      ...checkpointing(ctx, phase, model, { [task0]: loader }),
    });
  } finally {
    await closeAll([loader]);
  }
}

export async function trainBaseline(ctx: RunContext): Promise<Trained> {
  const model = buildModel(ctx.engine, ctx.config, ctx.neural, ctx.cls.numClasses, ctx.seed);
  try {
    return { model, loops: { classification: await trainClassifier(ctx, model, ctx.config.baseline, 'Baseline', 'classification') } };
  } catch (e) { model.dispose(); throw e; }
}

/**
 * Fits readouts (and, unless `readoutOnly`, the core) to sim-v1's training responses with the single-task objective;
 * readout biases start at the mean response of each session's first batch.
 */
async function fitNeural(ctx: RunContext, model: MtlVgg, name: string, phase: string, readoutOnly: boolean, maxEpochs?: number): Promise<LoopResult> {
  const { engine, config: c, neural } = ctx;
  const set = simResponseSet(neural, neural.train);
  const { tasks, loaders, batchesPerEpoch } = neuralTasks(engine, set, c.batchSize, ctx.seed + SALT.neural + (readoutOnly ? SALT.readout : 0),
    (session, x, y) => add(scaledPoissonLoss(model.neural(x, session), y, set.count), model.regularizer(session)),
    (key) => ctx.store?.loaderStart(phase, key));
  for (const [key, m] of firstBatchMeans(set, loaders, c.batchSize)) model.v1_readout.get(key).setBias(m);
  if (readoutOnly) model.freezeAllBut(['v1_readout']);
  try {
    return await trainLoop(engine, {
      name: `[seed ${ctx.seed}] ${name}`, model, params: model.trainableParameters(), recipe: c.predictor, maxEpochs,
      main: null, others: tasks, cyclesPerEpoch: batchesPerEpoch, mode: 'max',
      evaluate: () => validationCorrelation(model, neural, c.evalBatchSize),
      // A readout on a frozen core: the core's BN keeps its running statistics, the readout still samples positions.
      trainMode: () => { if (readoutOnly) { model.eval(); model.v1_readout.train(); } else model.train(); },
      log: ctx.log, ...checkpointing(ctx, phase, model, loaders),
    });
  } finally {
    await closeAll(loaders.values());
    if (readoutOnly) model.unfreeze();
  }
}

export async function trainMonkeyPredictor(ctx: RunContext): Promise<Trained> {
  const model = buildModel(ctx.engine, ctx.config, ctx.neural, ctx.cls.numClasses, ctx.seed, false);
  try {
    return { model, loops: { neural: await fitNeural(ctx, model, 'Monkey-Predictor', 'neural', false) } };
  } catch (e) { model.dispose(); throw e; }
}

/** `model`'s responses to every (standardised, unaugmented) classification training image: the MTL neural data set. */
export async function labelTrainingImages(ctx: RunContext, model: MtlVgg): Promise<ResponseSet> {
  const { cls, config: c } = ctx;
  const images = standardize(cls.train, cls.mean, cls.std);
  const targets = await predictAll(model, images, cls.train.count, cls.size, c.evalBatchSize);
  return { images, count: cls.train.count, size: cls.size, targets };
}

/** MTL-Shuffled's data: one random permutation of the images, applied to every neuron's responses. */
export function shuffleForControl(ctx: RunContext, set: ResponseSet): ResponseSet {
  return shuffledResponses(set, permutation(set.count, streamKey(ctx.seed, SALT.shuffle)));
}

/** Co-training on predicted responses: learned uncertainty weighting of CE and MSE (or NB), one SGD step per cycle. */
export async function trainMtl(ctx: RunContext, name: string, set: ResponseSet): Promise<Trained> {
  const { engine, config: c, cls } = ctx;
  const model = buildModel(engine, c, ctx.neural, cls.numClasses, ctx.seed);
  const weighting = new UncertaintyWeighting(engine, { img_classification: 'ce', v1: c.mtl.neuralLoss });
  const { task, loader } = classificationTask(engine, cls, standardizedTransform(c, cls), c.batchSize, ctx.seed + SALT.mtl,
    (x, y) => weighting.loss('img_classification', model.classify(x), y), ctx.store?.loaderStart('mtl', task0));
  const nt = neuralTasks(engine, set, c.batchSize, ctx.seed + SALT.mtl, (session, x, y) => weighting.loss('v1', model.neural(x, session), y),
    (key) => ctx.store?.loaderStart('mtl', `v1/${key}`));
  try {
    for (const [key, m] of firstBatchMeans(set, nt.loaders, c.batchSize)) model.v1_readout.get(key).setBias(m);
    const loop = await trainLoop(engine, {
      name: `[seed ${ctx.seed}] ${name}`, model, params: [...model.trainableParameters(), ...weighting.parameters()], recipe: c.mtl,
      main: task, others: nt.tasks, ratio: c.mtl.ratio, cyclesPerEpoch: loader.batchesPerEpoch, mode: 'max',
      evaluate: () => accuracy(engine, model, cls, 'val', c.evalBatchSize), trainMode: () => trainMode(model, false), log: ctx.log,
      ...checkpointing(ctx, 'mtl', model, new Map([[task0, loader], ...[...nt.loaders].map(([k, l]): [string, DataLoader] => [`v1/${k}`, l])]),
        new Map(weighting.namedParameters())),
    });
    const logWeights = await weighting.values();
    ctx.log(`[seed ${ctx.seed}] ${name}: learned log-weights ${JSON.stringify(logWeights)}`);
    return { model, loops: { mtl: loop }, extra: { logWeights } };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    weighting.dispose();
    await closeAll([loader, ...nt.loaders.values()]);
  }
}

/**
 * The Oracle: phase 1 trains the whole classifier on distorted view pairs with the consistency loss; phase 2 keeps
 * the block through relu3_1 (weights and BN statistics, frozen), re-initialises the rest and retrains it on clean
 * images with the baseline recipe.
 */
export async function trainOracle(ctx: RunContext): Promise<Trained> {
  const { engine, config: c, cls } = ctx;
  const first = buildModel(engine, c, ctx.neural, cls.numClasses, ctx.seed);
  let phase1: LoopResult;
  const { task, loader } = oracleTask(engine, first, cls, c, ctx.seed + SALT.oracle, ctx.store?.loaderStart('distorted', task0));
  try {
    phase1 = await trainLoop(engine, {
      name: `[seed ${ctx.seed}] Oracle (distortions + consistency)`, model: first, params: first.trainableParameters(), recipe: c.oracle,
      main: null, others: [task], cyclesPerEpoch: loader.batchesPerEpoch, mode: 'max',
      evaluate: () => accuracy(engine, first, cls, 'val', c.evalBatchSize), trainMode: () => trainMode(first, false), log: ctx.log,
      ...checkpointing(ctx, 'distorted', first, { [task0]: loader }),
    });
  } catch (e) {
    first.dispose();
    throw e;
  } finally {
    await closeAll([loader]);
  }
  const model = buildModel(engine, c, ctx.neural, cls.numClasses, ctx.seed + SALT.reinit);
  let firstAlive = true;
  try {
    model.copyStateFrom(first, 'mtl_vgg_core.v1_block.');
    first.dispose();
    firstAlive = false;
    model.freeze(['v1_block']);
    const phase2 = await trainClassifier(ctx, model, c.baseline, 'Oracle (frozen core, new head)', 'head',
      { maxEpochs: c.oracle.headEpochs, frozenBlock: true, salt: SALT.head });
    model.unfreeze();
    return { model, loops: { distorted: phase1, head: phase2 } };
  } catch (e) {
    if (firstAlive) first.dispose();
    model.dispose();
    throw e;
  }
}

/** MTL-Oracle's labeller: a Gaussian readout fitted on the frozen Oracle (`readoutEpochs` epochs, predictor objective). */
export async function fitOracleReadout(ctx: RunContext, oracle: MtlVgg): Promise<LoopResult> {
  return fitNeural(ctx, oracle, 'Oracle readout (frozen core)', 'readout', true, ctx.config.oracle.readoutEpochs);
}
