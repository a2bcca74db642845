/** The `cortexgpu` command line. Subcommands are thin: they parse options and call the library. */
import { Command, InvalidArgumentError } from 'commander';
import { describeError } from './errors.js';
import { Engine } from '../engine.js';
import { evalCommand, trainCommand } from './train.js';
import { corruptCommand } from './corrupt.js';
import { cotrainModelSpecs, reconstructCommand } from './reconstruct.js';
import { cotrainCommand } from './cotrain.js';
import { convrnnCommand } from './convrnn.js';
import { scoreCommand } from './score.js';
import { pipelineCommand } from './pipeline.js';
import { sweepCommand, sweepTrialCommand, workerCommand } from './sweep.js';
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

program.command('corrupt').description('write a labelled PNG grid of every corruption × severity (frost procedural unless --frost-dir)')
  .option('-o, --out <png>', 'output PNG', 'runs/corruptions.png')
  .option('--size <px>', 'severity table: 64 or 224', '64')
  .option('--seed <n>', 'corruption seed', int, 0)
  .option('--image <file>', 'image to corrupt (default: a built-in scene)')
  .option('--canonical', "imagecorruptions' uint8 steps (8-bit pixelate, libjpeg integer JPEG, np.uint8 result)")
  .option('--gray', 'corrupt the RGB image, then show its gray (luma) result')
  .option('--frost-dir <folder>', "imagecorruptions' frost photographs (frost1.png … frost5.jpg)")
  .action(async (o) => {
    const size = Number(o.size);
    if (size !== 64 && size !== 224) throw new InvalidArgumentError(`--size ${o.size}: 64 or 224`);
    const r = await corruptCommand({ out: o.out, size, seed: o.seed, image: o.image, canonical: o.canonical, gray: o.gray, frostDir: o.frostDir });
    console.log(`wrote ${o.out} (${r.width}×${r.height})`);
  });

program.command('reconstruct').description('norm-constrained reconstructions (Fig. 5), spectral control, saliency ratios (Fig. 7)')
  .option('-o, --out <dir>', 'output folder', 'runs/reconstruct')
  .option('--model <name=preset[:weights]>', 'a model (repeatable); the first is the reference; name=cotrain:<weights> for a cotrain run', collect, [])
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
  .option('--cotrain <dir>', 'the five co-trained models of a cotrain output folder (MTL-Monkey first), each with its own optimiser')
  .option('--cotrain-seed <n>', 'which seed of --cotrain', int, 0)
  .action(async (o) => {
    if (o.cotrain) o.model = [...cotrainModelSpecs(o.cotrain, o.cotrainSeed), ...o.model];
    if (!o.model.length) o.model = ['vgg=vgg19_bn-small'];
    await reconstructCommand({ out: o.out, models: o.model, layer: o.layer, norms: o.norms, steps: o.steps, optimizer: o.optimizer,
      lr: o.lr, constraint: o.constraint, blurSigma: o.blur, images: o.images, saliency: o.saliency, count: o.count,
      noise: o.noise, every: o.every, seed: o.seed });
  });

program.command('cotrain').description('neural co-training protocol (default synth-objects + sim-v1; Tiny ImageNet/ImageFolder/neuralset-v0 by config): runs × seeds, robustness, report, resumable')
  .option('-c, --config <file>', 'protocol config (JSON); default: the ci profile')
  .option('-o, --out <dir>', 'output folder', 'runs/cotrain')
  .option('--seeds <n>', 'number of seeds', int)
  .option('--no-progress', 'no per-epoch lines')
  .option('--resume', 'continue the protocol in <out>: finished runs are kept, the interrupted one continues from its checkpoint')
  .option('--force', 'replace a protocol already in <out>')
  .option('--accept-changes', 'with --resume: accept a config that differs from <out>/config.json')
  .option('--ratio-sweep <ratios>', 'instead: Fig. 3C, MTL-Monkey at these neural:classification batch ratios × seeds, and the two-factor regression', nums)
  .action((o) => cotrainCommand({ config: o.config, out: o.out, seeds: o.seeds, progress: o.progress, resume: o.resume, force: o.force,
    acceptChanges: o.acceptChanges, ratioSweep: o.ratioSweep }));

program.addCommand(convrnnCommand());

program.command('score').description('Brain-Score-style V1/V2/V4/IT and behaviour (I2n) scores: layer commitment, ceilings, report; built-in simulated benchmarks unless --data')
  .requiredOption('--model <preset[:weights]>', 'grcnn55, grcnn-small, vgg19_bn, … optionally :checkpoint.safetensors; convrnn:<preset, model.json or run folder>')
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

program.command('pipeline').description('the paper\'s sequence: train (CutMix, AugMix, superclass loss) → finetune layer1 on texture + noise blends → layer2 on textures → score each')
  .option('-o, --out <dir>', 'pipeline folder (one run folder per stage)', 'runs/pipeline')
  .option('-c, --config <file>', 'training config (default tools/configs/paper-builtin.json)')
  .option('--stage1 <file>', 'stage-1 config: its train section (default tools/configs/finetune-v1.json)')
  .option('--stage2 <file>', 'stage-2 config: its train section (default tools/configs/finetune-v2.json)')
  .option('--epochs <n>', 'override train.epochs of every stage', int)
  .option('--max-steps <n>', 'stop every stage after this many steps', int)
  .option('--benchmarks <list>', 'v1,v2,v4,it', list, ['v1', 'v2', 'v4', 'it'])
  .option('--stimuli <n>', 'stimuli per simulated benchmark', int)
  .option('--splits <n>', 'cross-validation splits (10)', int)
  .option('--resume', 'skip finished stages, continue an interrupted one')
  .option('--force', 'replace runs already in the stage folders')
  .option('--no-progress', 'no progress bar')
  .action(async (o) => { await pipelineCommand(o); });
program.addCommand(sweepCommand());
program.addCommand(workerCommand());
program.addCommand(sweepTrialCommand(), { hidden: true });
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
