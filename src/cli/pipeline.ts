/**
 * `pipeline`: Azeglio et al.'s sequence in one command — train with the tricks (CutMix, AugMix/JSD, superclass
 * loss), fine-tune the first GRCL block on texture and phase-noise blends with everything else frozen, then the
 * second block on texture blends only ("we fine-tuned our model's first GRCL block - roughly corresponding to V1 -
 * by freezing all the other layers … Later on, we fine-tuned the second GRCL block in the same way, but by only
 * blending input images with textures"), and score the trained and each fine-tuned model, so the table shows what
 * each stage changed. Every stage is a run folder under `<out>`; `--resume` skips finished stages and continues an
 * interrupted one from its checkpoint.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../engine.js';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../io/fs.js';
import { loadTrainConfig, parseTrainConfig, type TrainConfig } from '../train/config.js';
import { MetricsLog } from '../train/metrics-log.js';
import { changedFields } from '../train/run-folder.js';
import type { RegionResult } from '../score/benchmarks.js';
import { configFrom, trainWithConfig } from './train.js';
import { scoreCommand } from './score.js';

export interface PipelineArgs {
  out: string;
  /** The training config (default tools/configs/paper-builtin.json). */
  config?: string;
  /** Stage configs: their `train` sections (blend stage, optimiser, length) and seeds are used; model and data are the training run's. */
  stage1?: string;
  stage2?: string;
  /** Applied to every training stage (a short run). */
  epochs?: number;
  maxSteps?: number;
  benchmarks: string[];
  stimuli?: number;
  splits?: number;
  resume?: boolean;
  force?: boolean;
  progress: boolean;
}

interface Stage { name: string; title: string; cfg: TrainConfig; configPath: string; from?: string; blocks?: string[] }

export interface StageResult { name: string; title: string; steps: number; top1: number; scores: RegionResult[] }

/** A file of this package (tools/configs/…), found from this module whether it runs from src/ or the dist/ bundle. */
function packageFile(rel: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, rel))) return join(dir, rel);
  throw new ConfigError(`pipeline: cannot find ${rel} beside the cortexgpu package; pass the config files explicitly`);
}

/** A fine-tuning stage's config: its file's train section and seed on the training run's model and data. */
function stageConfig(base: TrainConfig, path: string, blend: 'texture-noise' | 'texture', which: string, a: PipelineArgs): TrainConfig {
  const own = loadTrainConfig(path);
  if (own.train.blend?.stage !== blend) {
    throw new ConfigError(`${path}: field 'train.blend.stage': ${which} fine-tunes on '${blend}' blends, the file asks for ${own.train.blend ? `'${own.train.blend.stage}'` : 'none'}`);
  }
  const train = { ...own.train, ...(a.epochs !== undefined ? { epochs: a.epochs } : {}), ...(a.maxSteps !== undefined ? { maxSteps: a.maxSteps } : {}) };
  return parseTrainConfig({ seed: own.seed, model: base.model, data: base.data, train }, path);
}

/** The last validation top-1 a finished run logged. */
function loggedTop1(dir: string): { steps: number; top1: number } {
  const rows = new MetricsLog(join(dir, 'metrics.jsonl')).read();
  const last = rows.filter((r) => typeof r.valTop1 === 'number').at(-1);
  return { steps: Number(rows.at(-1)?.step ?? 0), top1: Number(last?.valTop1 ?? NaN) };
}

/** A stage whose weights exist and whose config is the one asked for is done; --resume skips it. */
function finished(dir: string, cfg: TrainConfig): boolean {
  const cfgPath = join(dir, 'config.json');
  if (!existsSync(join(dir, 'weights.safetensors')) || !existsSync(cfgPath)) return false;
  return changedFields(JSON.parse(readFileSync(cfgPath, 'utf8')), JSON.parse(JSON.stringify(cfg))).length === 0;
}

export async function pipelineCommand(a: PipelineArgs): Promise<StageResult[]> {
  const configPath = a.config ?? packageFile('tools/configs/paper-builtin.json');
  const base = configFrom({ config: configPath, epochs: a.epochs, maxSteps: a.maxSteps });
  const s1 = a.stage1 ?? packageFile('tools/configs/finetune-v1.json');
  const s2 = a.stage2 ?? packageFile('tools/configs/finetune-v2.json');
  const stages: Stage[] = [
    { name: '1-train', title: 'train', cfg: base, configPath },
    { name: '2-finetune-v1', title: 'finetune layer1 (textures + noise)', cfg: stageConfig(base, s1, 'texture-noise', 'stage 1', a), configPath: s1,
      from: '1-train', blocks: ['layer1'] },
    { name: '3-finetune-v2', title: 'finetune layer2 (textures)', cfg: stageConfig(base, s2, 'texture', 'stage 2', a), configPath: s2,
      from: '2-finetune-v1', blocks: ['layer2'] },
  ];
  const results: StageResult[] = [];
  // One engine for every stage: a device per stage would re-create Dawn's instance each time.
  const engine = await Engine.create();
  try {
    for (const st of stages) results.push(await runStage(engine, st, a));
  } finally {
    engine.close();
  }
  writeSummary(a.out, results);
  return results;
}

/** Trains a stage (or finds it finished, with --resume), then scores its weights. */
async function runStage(engine: Engine, st: Stage, a: PipelineArgs): Promise<StageResult> {
  const dir = (s: string) => join(a.out, s);
  const out = dir(st.name);
  console.log(`pipeline: ${st.name}: ${st.title}${st.from ? ` from ${dir(st.from)}` : ''}`);
  let run: { steps: number; top1: number };
  if (a.resume && finished(out, st.cfg)) {
    run = loggedTop1(out);
    console.log(`pipeline: ${st.name} is finished (${out}), skipped`);
  } else {
    const resume = a.resume === true && existsSync(join(out, 'checkpoint.safetensors'));
    const r = await trainWithConfig(st.cfg, { config: st.configPath, out, progress: a.progress, resume, force: a.force },
      st.from ? { init: resume ? undefined : join(dir(st.from), 'checkpoint.safetensors'), trainable: st.blocks } : {}, engine);
    run = { steps: r.steps, top1: r.final.top1 };
  }
  const { results: scores } = await scoreCommand({ model: `${st.cfg.model.preset}:${join(out, 'weights.safetensors')}`, benchmarks: a.benchmarks,
    out: join(out, 'score'), stimuli: a.stimuli, splits: a.splits }, engine);
  return { name: st.name, title: st.title, ...run, scores };
}

/** pipeline.md (a table: stage, steps, val top-1, each benchmark's ceiled score and committed layer) and pipeline.json. */
function writeSummary(out: string, results: StageResult[]): void {
  const benches = results[0]?.scores.map((s) => s.benchmark) ?? [];
  const lines = [
    '# Pipeline: train → finetune layer1 (textures + noise) → finetune layer2 (textures) → score', '',
    `| stage | steps | val top-1 | ${benches.map((b) => `${b} (layer)`).join(' | ')} |`,
    `|---|---:|---:|${benches.map(() => '---:').join('|')}|`,
    ...results.map((r) => `| ${r.title} (\`${r.name}\`) | ${r.steps} | ${(100 * r.top1).toFixed(1)} % | `
      + `${r.scores.map((s) => `${s.ceiled.toFixed(3)} (${s.layer})`).join(' | ')} |`),
    '', 'Scores are ceiled (see each stage\'s `score/scores.md` for raw ± SEM, ceilings and layer commitment).', '',
  ];
  writeFileAtomic(join(out, 'pipeline.md'), Buffer.from(lines.join('\n')));
  const json = results.map((r) => ({ ...r, scores: r.scores.map((s) => ({ benchmark: s.benchmark, layer: s.layer, raw: s.raw, sem: s.sem, ceiling: s.ceiling, ceiled: s.ceiled })) }));
  writeFileAtomic(join(out, 'pipeline.json'), Buffer.from(JSON.stringify(json, null, 2) + '\n'));
  console.log(`pipeline: wrote ${join(out, 'pipeline.md')}`);
  console.log(lines.slice(2, 4 + results.length).join('\n'));
}
