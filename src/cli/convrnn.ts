/** `convrnn train | params`: train a conv-RNN preset or model file on synth-objects; show parameter counts. */
import { Command, InvalidArgumentError } from 'commander';
import { Engine } from '../engine.js';
import { countParameters } from '../convrnn/graph.js';
import { MODEL_NAMES } from '../convrnn/models.js';
import { DEFAULT_TRAIN, loadModelSpec, trainConvRnn, type ConvRnnTrainConfig } from '../convrnn/train.js';

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

export function convrnnCommand(): Command {
  const cmd = new Command('convrnn').description('conv-RNNs (Nayebi et al. 2018): reciprocal gated cells, feedback, unrolled time');
  cmd.command('train').description('train a conv-RNN on synth-objects-64 (loss on the last step, BPTT)')
    .option('-m, --model <name|file.json>', `preset (${MODEL_NAMES.join(', ')}) or model file`, 'rgc_small_fb')
    .option('-o, --out <dir>', 'run folder (model.json, result.json)', 'runs/convrnn')
    .option('--steps <n>', 'training steps', int, DEFAULT_TRAIN.steps)
    .option('--batch <n>', 'batch size', int, DEFAULT_TRAIN.batchSize)
    .option('--optimizer <sgd|adam>', 'optimiser (sgd: Nesterov momentum 0.9)', DEFAULT_TRAIN.optimizer)
    .option('--lr <x>', 'learning rate', num, DEFAULT_TRAIN.lr)
    .option('--clip <x>', 'element-wise gradient clip (0: none)', num, DEFAULT_TRAIN.clip)
    .option('--times <n>', 'override the unroll length', int)
    .option('--seed <n>', 'seed', (v) => Number(v), DEFAULT_TRAIN.seed)
    .option('--per-class <n>', 'synth-objects training images per class', int, DEFAULT_TRAIN.trainPerClass)
    .action(async (o) => {
      if (o.optimizer !== 'sgd' && o.optimizer !== 'adam') throw new InvalidArgumentError(`--optimizer ${o.optimizer}: sgd or adam`);
      let spec = loadModelSpec(o.model);
      if (o.times) spec = { ...spec, times: o.times, imageOff: Math.min(spec.imageOff, o.times) };
      const cfg: ConvRnnTrainConfig = { ...DEFAULT_TRAIN, steps: o.steps, batchSize: o.batch, optimizer: o.optimizer, lr: o.lr, clip: o.clip,
        seed: o.seed, trainPerClass: o.perClass, evalEvery: Math.max(1, Math.min(DEFAULT_TRAIN.evalEvery, o.steps)) };
      const engine = await Engine.create();
      try {
        console.log(`cortexgpu convrnn train: ${spec.name} (${countParameters(spec).trainable.toLocaleString('en')} parameters at ImageNet size), ${engine.adapterName} → ${o.out}`);
        const r = await trainConvRnn(engine, spec, cfg, { out: o.out, log: (m) => console.log(m) });
        console.log(`val accuracy ${(100 * r.valAccuracy).toFixed(1)} % after ${cfg.steps} steps`);
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
