/** `convrnn train | search | params`: train a conv-RNN preset or model file on synth-objects, search architectures, count parameters. */
import { Command, InvalidArgumentError } from 'commander';
import { Engine } from '../engine.js';
import { countParameters } from '../convrnn/graph.js';
import { DEFAULT_MODEL, feedforwardControl, MODEL_NAMES } from '../convrnn/models.js';
import { runDynamics } from '../convrnn/dynamics.js';
import { weightsOf } from '../convrnn/model-file.js';
import { searchConvRnn, SEARCH_TRAIN_DEFAULT } from '../convrnn/search/convrnn-space.js';
import { DEFAULT_TRAIN, loadModelSpec, synthData, trainConvRnn, type ConvRnnTrainConfig, type DataConfig } from '../convrnn/train.js';
import type { ModelSpec } from '../convrnn/spec.js';
import { stopOnSignals } from './train.js';

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${v}' is not a positive integer`);
  return n;
};
const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`'${v}' is not a non-negative number`);
  return n;
};

/** The data the flags name, at the model's input size and channels (gray models read images as luminance). */
function dataFor(spec: ModelSpec, o: { trainDir?: string; valDir?: string; tinyImagenet?: string; perClass?: number }): DataConfig {
  const grayscale = spec.input.channels === 1;
  if (o.trainDir && o.valDir) return { kind: 'image-folder', train: o.trainDir, val: o.valDir, imageSize: spec.input.size, grayscale };
  if (o.tinyImagenet) return { kind: 'tiny-imagenet', root: o.tinyImagenet, imageSize: spec.input.size, grayscale };
  return synthData({ imageSize: spec.input.size, perClass: o.perClass });
}

export function convrnnCommand(): Command {
  const cmd = new Command('convrnn').description('conv-RNNs (Nayebi et al. 2018): reciprocal gated cells, feedback, unrolled time');
  cmd.command('train').description('train a conv-RNN (loss on the last step, BPTT) on synth-objects, an ImageFolder or Tiny ImageNet')
    .option('-m, --model <name|file.json>', `preset (${MODEL_NAMES.join(', ')}) or model file`, DEFAULT_MODEL)
    .option('-o, --out <dir>', 'run folder (config.json, checkpoint.safetensors, weights.safetensors, metrics.jsonl, curves.svg, model.json, result.json)', 'runs/convrnn')
    .option('--steps <n>', 'training steps', int, DEFAULT_TRAIN.steps)
    .option('--batch <n>', 'batch size', int, DEFAULT_TRAIN.batchSize)
    .option('--optimizer <sgd|adam>', 'optimiser (sgd: Nesterov momentum 0.9)', DEFAULT_TRAIN.optimizer)
    .option('--lr <x>', 'learning rate', num, DEFAULT_TRAIN.lr)
    .option('--clip <x>', 'element-wise gradient clip (0: none)', num, DEFAULT_TRAIN.clip)
    .option('--times <n>', 'override the unroll length', int)
    .option('--no-replay', 'run every step eagerly (default: the step is captured once and replayed)')
    .option('--seed <n>', 'seed', (v) => Number(v), DEFAULT_TRAIN.seed)
    .option('--per-class <n>', 'synth-objects training images per class (default: the learn profile\'s)', int)
    .option('--train-dir <dir>', 'train on an ImageFolder (class folders of PNG/JPEG) …')
    .option('--val-dir <dir>', '… validated on this ImageFolder')
    .option('--tiny-imagenet <root>', 'train on Tiny ImageNet (tiny-imagenet-200 layout)')
    .option('--eval-every <n>', 'validate every n steps', int, DEFAULT_TRAIN.evalEvery)
    .option('--checkpoint-every <n>', 'checkpoint every n steps', int, DEFAULT_TRAIN.checkpointEvery)
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'replace a run already in --out')
    .option('--accept-changes', 'resume although the settings differ from the run\'s config.json')
    .option('--reset-optimizer', 'resume with fresh optimiser moments when the checkpoint lacks them')
    .action(async (o) => {
      if (o.optimizer !== 'sgd' && o.optimizer !== 'adam') throw new InvalidArgumentError(`--optimizer ${o.optimizer}: sgd or adam`);
      if (!!o.trainDir !== !!o.valDir) throw new InvalidArgumentError('--train-dir and --val-dir go together');
      let spec = loadModelSpec(o.model);
      if (o.times) spec = { ...spec, times: o.times, imageOff: Math.min(spec.imageOff, o.times) };
      const cfg: ConvRnnTrainConfig = { ...DEFAULT_TRAIN, steps: o.steps, batchSize: o.batch, optimizer: o.optimizer, lr: o.lr, clip: o.clip, replay: o.replay,
        seed: o.seed, data: dataFor(spec, o), evalEvery: Math.min(o.evalEvery, o.steps), checkpointEvery: o.checkpointEvery };
      const engine = await Engine.create();
      const ctl = new AbortController();
      const unhook = stopOnSignals(ctl, (m) => console.log(m));
      try {
        console.log(`cortexgpu convrnn train: ${spec.name} (${countParameters(spec).trainable.toLocaleString('en')} parameters as declared), `
          + `${cfg.data.kind}, ${cfg.steps} steps, batch ${cfg.batchSize}, ${cfg.optimizer} ${cfg.lr}, ${engine.adapterName} → ${o.out}`);
        const r = await trainConvRnn(engine, spec, cfg, { out: o.out, resume: o.resume, force: o.force, acceptChanges: o.acceptChanges,
          resetOptimizer: o.resetOptimizer, signal: ctl.signal, log: (m) => console.log(m) });
        console.log(`val accuracy ${(100 * r.valAccuracy).toFixed(1)} % after ${cfg.steps} steps (${r.wallSeconds.toFixed(0)} s); weights ${o.out}/weights.safetensors`);
        r.model.dispose();
      } finally { unhook(); engine.close(); }
    });
  cmd.command('search').description('architecture search over RGC switches and feedback (each trial trains the small model for a fixed budget)')
    .option('--algo <tpe|random>', 'search algorithm', 'tpe')
    .option('--trials <n>', 'trials in all (a rerun with the same --out resumes)', int, 12)
    .option('--steps <n>', 'training steps per trial', int, SEARCH_TRAIN_DEFAULT.steps)
    .option('--batch <n>', 'batch size', int, SEARCH_TRAIN_DEFAULT.batchSize)
    .option('--lr <x>', 'learning rate (Adam)', num, SEARCH_TRAIN_DEFAULT.lr)
    .option('--times <n>', 'unroll length of every trial', int)
    .option('--seed <n>', 'seed', (v) => Number(v), 0)
    .option('-o, --out <dir>', 'search folder (trials.jsonl, results.md, best-model.json)', 'runs/convrnn-search')
    .action(async (o) => {
      if (o.algo !== 'tpe' && o.algo !== 'random') throw new InvalidArgumentError(`--algo ${o.algo}: tpe or random`);
      const engine = await Engine.create();
      try {
        const train = { ...SEARCH_TRAIN_DEFAULT, steps: o.steps, batchSize: o.batch, lr: o.lr, evalEvery: o.steps };
        const r = await searchConvRnn(engine, { algo: o.algo, trials: o.trials, seed: o.seed, out: o.out, train, times: o.times, log: (m) => console.log(m) });
        console.log(`best val accuracy ${(100 * r.bestAccuracy).toFixed(1)} %; model written to ${r.bestModel} (train it with: convrnn train --model ${r.bestModel})`);
      } finally { engine.close(); }
    });
  cmd.command('dynamics').description('per-time-bin neural scores of a conv-RNN and its feed-forward control on the built-in temporal population (known generator)')
    .option('-m, --model <name|file.json|run folder>', 'the conv-RNN to score (a run folder brings its trained weights)', DEFAULT_MODEL)
    .option('--control <name|file.json|run folder>', 'the feed-forward control (default: the model\'s cells replaced by memory, feedback removed)')
    .option('--seed <n>', 'init seed of models without trained weights', (v) => Number(v), 7)
    .option('--generator <name|file.json>', 'architecture generating the population', DEFAULT_MODEL)
    .option('--generator-seed <n>', 'its weights\' seed', (v) => Number(v), 7)
    .option('--generator-node <node>', 'its node the neuroids read', 'conv4')
    .option('--times <n>', 'steps of the movie', int, 16)
    .option('--image-off <n>', 'steps showing the image (then the blank)', int, 10)
    .option('--bins <n>', '10 ms bins (one per model step; 14 reach past the blank\'s arrival at conv4)', int, 14)
    .option('--stimuli <n>', 'stimuli (half public for commitment, half private)', int, 120)
    .option('--neuroids <n>', 'simulated neuroids', int, 24)
    .option('--splits <n>', 'cross-validation splits', int, 5)
    .option('-o, --out <dir>', 'folder for dynamics.{svg,png,md,json}', 'runs/convrnn-dynamics')
    .action(async (o) => {
      const spec = loadModelSpec(o.model, 10);
      const control = o.control ? loadModelSpec(o.control, 10) : feedforwardControl(spec);
      const engine = await Engine.create();
      try {
        const r = await runDynamics(engine, {
          candidates: [
            { label: `ConvRNN ${spec.name}`, spec, seed: o.seed, weights: weightsOf(o.model) },
            { label: `feed-forward ${control.name}`, spec: control, seed: o.seed, weights: o.control ? weightsOf(o.control) : null },
          ],
          generator: { spec: loadModelSpec(o.generator, 10), seed: o.generatorSeed, node: o.generatorNode },
          times: o.times, imageOff: o.imageOff, sim: { stimuli: o.stimuli, neuroids: o.neuroids, bins: o.bins }, splits: o.splits, out: o.out,
          log: (m) => console.log(m),
        });
        console.log(`written: ${r.files.join(', ')}`);
      } finally { engine.close(); }
    });
  cmd.command('params').description('trainable/frozen parameter counts from the declared shapes')
    .argument('[models...]', 'presets or model files', MODEL_NAMES)
    .action((models: string[]) => {
      for (const m of models) {
        const c = countParameters(loadModelSpec(m));
        console.log(`${m.padEnd(20)} ${c.trainable.toLocaleString('en').padStart(12)} trainable  ${c.frozen} frozen`);
      }
    });
  return cmd;
}
