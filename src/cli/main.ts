/** The `cortexgpu` command line. Subcommands are thin: they parse options and call the library. */
import { Command, InvalidArgumentError } from 'commander';
import { CortexError } from '../gpu/errors.js';
import { Engine } from '../engine.js';
import { evalCommand, trainCommand } from './train.js';

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${v}' is not a non-negative integer`);
  return n;
};

const program = new Command('cortexgpu')
  .description('Brain-like vision models trained and analysed on WebGPU')
  .showHelpAfterError();

program.command('info').description('show the WebGPU adapter and its limits').action(async () => {
  const e = await Engine.create({ timestamps: true });
  try {
    console.log(JSON.stringify({ adapter: e.adapterName, features: [...e.runtime.features].sort(), limits: e.runtime.limits }, null, 2));
  } finally { e.close(); }
});

program.command('train').description('train a classifier (default: the small GRCNN on synth-objects-64)')
  .option('-c, --config <file>', 'training config (JSON); defaults built in')
  .option('-o, --out <dir>', 'run folder', 'runs/grcnn-small')
  .option('--resume', 'continue from <out>/checkpoint.safetensors')
  .option('--epochs <n>', 'override train.epochs', int)
  .option('--max-steps <n>', 'stop after this many steps', int)
  .option('--seed <n>', 'override the seed', int)
  .option('--no-progress', 'no progress bar')
  .action((o) => trainCommand({ ...o, maxSteps: o.maxSteps }));

program.command('finetune').description('block-wise fine-tuning: train only the named blocks, from a checkpoint')
  .requiredOption('--from <checkpoint>', 'checkpoint to start from')
  .requiredOption('--blocks <names>', 'comma-separated parameter prefixes to train, e.g. layer1')
  .option('-c, --config <file>', 'training config (JSON)')
  .option('-o, --out <dir>', 'run folder', 'runs/finetune')
  .option('--resume', 'continue from <out>/checkpoint.safetensors')
  .option('--epochs <n>', 'override train.epochs', int)
  .option('--max-steps <n>', 'stop after this many steps', int)
  .option('--no-progress', 'no progress bar')
  .action((o) => trainCommand(o, { init: o.resume ? undefined : o.from, trainable: String(o.blocks).split(',').map((s) => s.trim()) }));

program.command('eval').description('top-1/top-5 of a checkpoint on the validation split')
  .requiredOption('--checkpoint <file>', 'checkpoint.safetensors')
  .option('-c, --config <file>', 'the config it was trained with')
  .action((o) => evalCommand(o));

program.parseAsync().catch((e: unknown) => {
  // Our own errors already say what went wrong and where; a stack trace adds nothing for the user.
  if (e instanceof CortexError) console.error(`cortexgpu: ${e.message}`);
  else console.error(e);
  process.exitCode = 1;
});
