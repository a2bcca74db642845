/**
 * The co-training output folder, written as the protocol goes so an interruption loses at most one epoch:
 *   config.json                       the protocol's configuration (a resume must match it, seeds excepted)
 *   progress.jsonl                    one line per epoch of every phase and one per finished run (readable without a TTY)
 *   runs/<run>/seed-<s>/checkpoint.safetensors   the run in progress (loop-checkpoint.ts), removed when it finishes
 *   runs/<run>/seed-<s>/weights.safetensors      the trained model under its PyTorch names (MTL_VGG's state dict)
 *   runs/<run>/seed-<s>/result.json              its measurements and training summaries: the run is finished
 *   results.json, protocol.json, report.*        the whole protocol, at the end
 * The folder is locked for one writer (train/run-folder.ts); `resume` skips finished runs and continues the
 * interrupted one from its checkpoint.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MtlVgg } from '../models/mtl.js';
import { RunFolderError } from '../errors.js';
import { appendFileFull, writeFileAtomic } from '../io/fs.js';
import { readSafetensors } from '../io/safetensors.js';
import { saveWeights } from '../train/checkpoint.js';
import { RunCheckpoint } from '../train/loop-checkpoint.js';
import { openRunFolder, type RunFolder } from '../train/run-folder.js';
import type { LoopResult } from '../train/train-loop.js';
import type { CotrainConfig } from './config.js';
import type { RunSeedResult } from './results.js';
import { INPUT_KEY, MTL_KEY, OPTIMIZER_KEY, type InputStats } from './weights.js';

/** Everything a finished run leaves in result.json. */
export interface SavedRun {
  run: string;
  seed: number;
  /** Training and measuring time (of the last process only, when the run was resumed). */
  seconds: number;
  loops: Record<string, LoopResult>;
  extra?: Record<string, unknown>;
  /** Classification runs: clean and corrupted accuracy (and neural scores when it has a readout). */
  result?: RunSeedResult;
  /** Monkey-Predictor: neural scores on the test images. */
  predictor?: { corr: number; fevE: number };
  /** Relative path of the weights from the protocol folder. */
  weights: string;
}

export interface OpenOptions { resume?: boolean; force?: boolean; acceptChanges?: boolean }

/** How each model type is reconstructed in the paper (§4): SGD with gradient blur for MTL models, Adam otherwise. */
export function reconstructionOptimizer(run: string): 'sgd' | 'adam' { return run.startsWith('MTL') ? 'sgd' : 'adam'; }

export class ProtocolFolder {
  readonly #lock: RunFolder;

  constructor(readonly out: string, readonly config: CotrainConfig, opts: OpenOptions) {
    this.#lock = openRunFolder(out, config, {
      ...opts, runFiles: ['config.json', 'progress.jsonl', 'runs', 'results.json', 'protocol.json'], resumeFile: 'config.json', stopFields: ['seeds'],
    });
    writeFileAtomic(join(out, 'config.json'), Buffer.from(JSON.stringify(config, null, 1) + '\n'));
  }

  get changed(): string[] { return this.#lock.changed; }

  release(): void { this.#lock.release(); }

  dir(run: string, seed: number): string { return join(this.out, 'runs', run, `seed-${seed}`); }

  weightsPath(run: string, seed: number): string { return join(this.dir(run, seed), 'weights.safetensors'); }

  /** The run's checkpoint store (its folder is made). */
  checkpoint(run: string, seed: number): RunCheckpoint {
    mkdirSync(this.dir(run, seed), { recursive: true });
    return new RunCheckpoint(join(this.dir(run, seed), 'checkpoint.safetensors'));
  }

  /** The finished run's record, or null when it has not finished. */
  finished(run: string, seed: number): SavedRun | null {
    const p = join(this.dir(run, seed), 'result.json');
    if (!existsSync(p)) return null;
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as SavedRun;
    } catch (e) {
      throw new RunFolderError(`${p}: not JSON (${(e as Error).message}); delete the file to train the run again`);
    }
  }

  /** Writes the weights, then result.json (which marks the run finished), then drops the checkpoint. */
  async finish(saved: Omit<SavedRun, 'weights'>, model: MtlVgg, store: RunCheckpoint, input: InputStats): Promise<SavedRun> {
    const { run, seed } = saved;
    await saveWeights(this.weightsPath(run, seed), model, {
      run, seed: String(seed), [MTL_KEY]: JSON.stringify(model.config), [INPUT_KEY]: JSON.stringify(input), [OPTIMIZER_KEY]: reconstructionOptimizer(run),
    });
    const full: SavedRun = { ...saved, weights: join('runs', run, `seed-${seed}`, 'weights.safetensors') };
    writeFileAtomic(join(this.dir(run, seed), 'result.json'), Buffer.from(JSON.stringify(full, null, 1) + '\n'));
    store.remove();
    this.progress({ run, seed, finished: true, seconds: saved.seconds });
    return full;
  }

  /** Loads a finished run's weights into `model` (built with the run's configuration). */
  loadWeights(run: string, seed: number, model: MtlVgg): void {
    const p = this.weightsPath(run, seed);
    const { tensors } = readSafetensors(p);
    try {
      model.loadStateDict(tensors);
    } catch (e) {
      throw new RunFolderError(`${p}: ${(e as Error).message}`);
    }
  }

  /** One line of progress.jsonl. */
  progress(rec: Record<string, unknown>): void {
    appendFileFull(join(this.out, 'progress.jsonl'), JSON.stringify({ time: new Date().toISOString(), ...rec }) + '\n');
  }
}
