/**
 * `cotrain`: the neural co-training protocol end to end (built-in synth-objects + sim-v1 by default; Tiny ImageNet,
 * ImageFolder and neuralset-v0 from the config): every run × seed, robustness on corruptions, neural predictivity,
 * and the report; resumable. With `ratioSweep`, the Fig. 3C sweep instead.
 */
import { Engine } from '../engine.js';
import { loadCotrainConfig, parseCotrainConfig, type CotrainConfig } from '../cotrain/config.js';
import { runCotrain } from '../cotrain/protocol.js';
import { ConfigError } from '../errors.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/fs.js';
import { ratioSweep } from '../cotrain/ratio-sweep.js';

export interface CotrainArgs {
  config?: string; out: string; seeds?: number; progress: boolean; resume?: boolean; force?: boolean; acceptChanges?: boolean;
  /** Instead of the protocol: the Fig. 3C sweep of MTL-Monkey over these neural:classification batch ratios. */
  ratioSweep?: number[];
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
    if (opts.ratioSweep) {
      const r = await ratioSweep(engine, cfg, opts.ratioSweep, opts.progress ? (m) => console.error(`${stamp()}  ${m}`) : undefined);
      mkdirSync(opts.out, { recursive: true });
      const [b0, b1, b2] = r.regression.coefficients;
      const md = ['# Fig. 3C: MTL-Monkey ratio sweep', '', '| ratio | seed | clean acc. | robustness | test corr | FEVe |', '|---|---|---|---|---|---|',
        ...r.points.map((p) => `| ${p.ratio} | ${p.seed} | ${(100 * p.clean).toFixed(1)} | ${p.robustness.toFixed(3)} | ${p.corr.toFixed(3)} | ${p.fevE.toFixed(3)} |`), '',
        `robustness = ${b0.toFixed(3)} + ${b1.toFixed(3)}·corr + ${b2.toFixed(3)}·clean (OLS, n = ${r.regression.n}, R² = ${r.regression.r2.toFixed(3)})`, ''].join('\n');
      writeFileAtomic(join(opts.out, 'ratio-sweep.json'), Buffer.from(JSON.stringify({ config: cfg, ratios: opts.ratioSweep, ...r }, null, 1) + '\n'));
      writeFileAtomic(join(opts.out, 'ratio-sweep.md'), Buffer.from(md));
      console.log(md);
      return;
    }
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
