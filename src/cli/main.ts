/** The `cortexgpu` command line. Subcommands are thin: they parse options and call the library. */
import { Command, InvalidArgumentError } from 'commander';
import { describeError } from './errors.js';
import { Engine } from '../engine.js';
import { evalCommand, trainCommand } from './train.js';
import { corruptCommand } from './corrupt.js';
import { reconstructCommand } from './reconstruct.js';
import { cotrainCommand } from './cotrain.js';
import { convrnnCommand } from './convrnn.js';
import { scoreCommand } from './score.js';
import { activationsCommand } from './activations.js';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const nums = (v: string) => list(v).map((s) => {
  const n = Number(s);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`'${s}' is not a number`);
  return n;
});
const num = (v: string) => nums(v)[0];
const collect = (v: string, prev: string[] = []) => [...prev, v];

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${v}' is not a non-negative integer`);
  return n;
};

const program = new Command('cortexgpu')
  .description('Brain-like vision models trained and analysed on WebGPU')
  .option('--debug', 'on error, print the stack trace too')
  .showHelpAfterError();

program.command('info').description('show the WebGPU adapter and its limits').action(async () => {
  const e = await Engine.create({ timestamps: true });
  try {
    console.log(JSON.stringify({ adapter: e.adapterName, features: [...e.features].sort(), limits: e.limits }, null, 2));
  } finally { e.close(); }
});

/** The run-folder and length options `train` and `finetune` share. */
const runOptions = (c: Command) => c
  .option('--resume', 'continue from <out>/checkpoint.safetensors')
  .option('--force', 'replace a run already in <out>')
  .option('--accept-changes', 'with --resume: accept a config that differs from <out>/config.json')
  .option('--reset-optimizer', 'with --resume: accept a checkpoint whose optimiser state is missing or partial')
  .option('--epochs <n>', 'override train.epochs', int)
  .option('--max-steps <n>', 'stop after this many steps', int);

runOptions(program.command('train').description('train a classifier (default: the small GRCNN on synth-objects-64)')
  .option('-c, --config <file>', 'training config (JSON); defaults built in')
  .option('-o, --out <dir>', 'run folder', 'runs/grcnn-small'))
  .option('--seed <n>', 'override the seed', int)
  .option('--no-progress', 'no progress bar')
  .action((o) => trainCommand({ ...o, maxSteps: o.maxSteps }));

runOptions(program.command('finetune').description('block-wise fine-tuning: train only the named blocks, from a checkpoint')
  .requiredOption('--from <checkpoint>', 'checkpoint to start from')
  .requiredOption('--blocks <names>', 'comma-separated parameter prefixes to train, e.g. layer1')
  .option('-c, --config <file>', 'training config (JSON)')
  .option('-o, --out <dir>', 'run folder', 'runs/finetune'))
  .option('--no-progress', 'no progress bar')
  .action((o) => trainCommand(o, { init: o.resume ? undefined : o.from, trainable: String(o.blocks).split(',').map((s) => s.trim()) }));

program.command('eval').description('top-1/top-5 of a checkpoint on the validation split')
  .requiredOption('--checkpoint <file>', 'checkpoint.safetensors')
  .option('-c, --config <file>', 'the config it was trained with')
  .option('-o, --out <dir>', 'report folder (default: <checkpoint folder>/eval)')
  .action((o) => evalCommand(o));

program.command('corrupt').description('write a PNG grid of every corruption × severity (frost is procedural, non-canonical)')
  .option('-o, --out <png>', 'output PNG', 'runs/corruptions.png')
  .option('--size <px>', 'severity table: 64 or 224', '64')
  .option('--seed <n>', 'corruption seed', int, 0)
  .option('--image <file>', 'image to corrupt (default: a built-in scene)')
  .action(async (o) => {
    const size = Number(o.size);
    if (size !== 64 && size !== 224) throw new InvalidArgumentError(`--size ${o.size}: 64 or 224`);
    const r = await corruptCommand({ out: o.out, size, seed: o.seed, image: o.image });
    console.log(`wrote ${o.out} (${r.width}×${r.height})`);
  });

program.command('reconstruct').description('norm-constrained reconstructions (Fig. 5), spectral control, saliency ratios (Fig. 7)')
  .option('-o, --out <dir>', 'output folder', 'runs/reconstruct')
  .option('--model <name=preset[:weights]>', 'a model (repeatable); the first is the reference', collect, [])
  .option('--layer <name>', 'layer to match', 'relu3_1')
  .option('--norms <list>', 'norm levels, e.g. 5,15,60', nums)
  .option('--steps <n>', 'optimisation steps', int)
  .option('--optimizer <sgd|adam>', 'optimiser')
  .option('--lr <x>', 'learning rate', num)
  .option('--constraint <sphere|ball>', 'projection')
  .option('--blur <sigma>', 'gradient blur σ (0: off)', num)
  .option('--images <files>', 'comma-separated image files (default: built-in items)', list)
  .option('--saliency <files>', 'comma-separated saliency maps (PNG/NPY), one per image', list)
  .option('--count <n>', 'built-in images to use', int)
  .option('--noise <std>', 'Gaussian noise on the targets', num)
  .option('--every <n>', 'write snapshots every n steps', int)
  .option('--seed <n>', 'seed', int)
  .action(async (o) => {
    if (!o.model.length) o.model = ['vgg=vgg19_bn-small'];
    await reconstructCommand({ out: o.out, models: o.model, layer: o.layer, norms: o.norms, steps: o.steps, optimizer: o.optimizer,
      lr: o.lr, constraint: o.constraint, blurSigma: o.blur, images: o.images, saliency: o.saliency, count: o.count,
      noise: o.noise, every: o.every, seed: o.seed });
  });

program.command('cotrain').description('neural co-training protocol (synth-objects-64 + sim-v1): runs × seeds, robustness, report')
  .option('-c, --config <file>', 'protocol config (JSON); default: the ci profile')
  .option('-o, --out <dir>', 'output folder', 'runs/cotrain')
  .option('--seeds <n>', 'number of seeds', int)
  .option('--no-progress', 'no per-epoch lines')
  .action((o) => cotrainCommand({ config: o.config, out: o.out, seeds: o.seeds, progress: o.progress }));

program.addCommand(convrnnCommand());

program.command('score').description('Brain-Score-style V1/V2/V4/IT and behaviour (I2n) scores: layer commitment, ceilings, report; built-in simulated benchmarks unless --data')
  .requiredOption('--model <preset[:weights]>', 'grcnn55, grcnn-small, vgg19_bn, … optionally :checkpoint.safetensors')
  .option('--benchmarks <list>', 'v1,v2,v4,it,behavior', list, ['v1', 'v2', 'v4', 'it', 'behavior'])
  .option('--data <dir>', 'benchmarks in Brain-Score\'s file layout (default: the built-in ones, written under <out>/data)')
  .option('--behavior-layer <name>', 'behavioural readout layer (default: the last candidate layer)')
  .option('--batch <n>', 'stimuli per forward pass', int)
  .option('-o, --out <dir>', 'report folder', 'runs/score')
  .option('--stimuli <n>', 'stimuli per simulated benchmark', int)
  .option('--splits <n>', 'cross-validation splits (10)', int)
  .option('--train-size <x>', 'train fraction per split (0.9; each split needs a test stimulus per label)', num)
  .option('--layers <list>', 'candidate layers (default: the model\'s blocks)', list)
  .option('--form <explained-variance|r2-over-ceiling|ratio>', 'ceiled score form')
  .action(async (o) => { await scoreCommand(o); });

program.command('activations').description('export named activations of a preset or checkpoint (NPY per layer or safetensors) with stimulus ids')
  .requiredOption('--model <preset[:weights]>', 'grcnn55, grcnn-small, vgg19_bn, … optionally :checkpoint.safetensors')
  .option('--layers <list>', 'layer names (default: all; see score/activations.ts)', list, [])
  .option('--stimuli <csv>', 'a Brain-Score stimulus_set.csv (images in images/ beside it); default: built-in synth-objects')
  .option('--count <n>', 'built-in stimuli', int)
  .option('--degrees <x>', 'visual degrees the stimuli span (model: 8)', num)
  .option('--format <npy|safetensors>', 'output format', 'npy')
  .option('--batch <n>', 'stimuli per forward pass', int)
  .requiredOption('-o, --out <dir>', 'output folder')
  .action(async (o) => { await activationsCommand(o); });

program.parseAsync().catch((e: unknown) => {
  // The one place errors reach the user: one line naming the file, field or tensor; the stack only with --debug.
  const { message, exitCode } = describeError(e);
  console.error(`cortexgpu: ${message}`);
  if (program.opts().debug) console.error(e);
  process.exitCode = exitCode;
});
