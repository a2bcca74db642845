/**
 * `cotrain`: the neural co-training protocol end to end on built-in data (synth-objects for classification, sim-v1
 * for the neural task): every run × seed, robustness on corruptions, neural predictivity, and the report.
 */
import { Engine } from '../engine.js';
import { loadCotrainConfig, parseCotrainConfig, type CotrainConfig } from '../cotrain/config.js';
import { runCotrain } from '../cotrain/protocol.js';
import { ConfigError } from '../errors.js';

export interface CotrainArgs {
  config?: string; out: string; seeds?: number; progress: boolean; resume?: boolean; force?: boolean; acceptChanges?: boolean;
}

export function cotrainConfigFrom(opts: { config?: string; seeds?: number }): CotrainConfig {
  const cfg = opts.config ? loadCotrainConfig(opts.config) : parseCotrainConfig({});
  if (opts.seeds !== undefined) {
    if (!(Number.isInteger(opts.seeds) && opts.seeds >= 1)) throw new ConfigError(`--seeds: ${opts.seeds} is not a positive integer`);
    cfg.seeds = opts.seeds;
  }
  return cfg;
}

/**
 * Runs the protocol into `out`; with `progress`, one plain line per epoch and per run on stderr (no TTY needed; the
 * same records go to out/progress.jsonl). `resume` continues an interrupted protocol in `out`.
 */
export async function cotrainCommand(opts: CotrainArgs): Promise<void> {
  const cfg = cotrainConfigFrom(opts);
  const engine = await Engine.create();
  const t0 = performance.now();
  try {
    console.log(`cortexgpu cotrain: ${engine.adapterName}; profile ${cfg.profile}, ${cfg.seeds} seed(s) → ${opts.out}`);
    const stamp = () => `${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s`;
    const r = await runCotrain(engine, cfg, opts.out, {
      log: opts.progress ? (m) => console.error(`${stamp()}  ${m}`) : undefined, resume: opts.resume, force: opts.force, acceptChanges: opts.acceptChanges,
    });
    console.log(r.report.markdown);
    console.log(`wrote ${[...r.report.files, `${opts.out}/results.json`, `${opts.out}/protocol.json`].join(', ')}`);
    console.log(`wall time ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    engine.close();
  }
}
