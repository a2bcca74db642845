import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { pipelineCommand } from '../../src/cli/pipeline.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { ConfigError } from '../../src/errors.js';

// The built-in pipeline at tiny size: the training config shrinks model and data; the stage files are the
// shipped tools/configs/finetune-v{1,2}.json (their train sections), every stage cut to 2 steps.
const TRAIN = {
  seed: 5, model: { preset: 'grcnn-small', stemChannels: 4, planes: [4, 8, 8, 8], expansion: 2, iters: [1, 1, 1, 1], groups: 2 },
  data: { kind: 'synth-objects-64', perClass: 2, valPerClass: 1, imageSize: 16 },
  train: { epochs: 1, batchSize: 8, cutmix: { prob: 1 }, augmix: {}, superclass: { map: 'dataset' }, logEvery: 1 },
};

const args = (out: string, config: string) => ({ out, config, maxSteps: 2, benchmarks: ['v1'], stimuli: 40, splits: 2, progress: false });

/** Learned parameters (BN running statistics move in frozen blocks too, as in PyTorch's train mode). */
const params = (file: string) => new Map([...readSafetensors(file).tensors].filter(([n]) => !/running_|num_batches/.test(n)));

describe('pipeline: train → finetune layer1 (textures + noise) → finetune layer2 (textures) → score', () => {
  it('runs end to end on built-in data; each stage trains only its block; --resume skips finished stages', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cg-pipeline-'));
    const config = join(out, 'train.json');
    writeFileSync(config, JSON.stringify(TRAIN));
    const results = await pipelineCommand(args(out, config));
    expect(results.map((r) => r.name)).toEqual(['1-train', '2-finetune-v1', '3-finetune-v2']);
    for (const r of results) {
      expect(r.steps).toBe(2);
      expect(r.scores.map((s) => s.benchmark)).toEqual(['FreemanZiemba2013.V1-pls']);
      expect(Number.isFinite(r.scores[0].ceiled)).toBe(true);
      expect(existsSync(join(out, r.name, 'score', 'scores.json'))).toBe(true);
    }
    const cfg1 = JSON.parse(readFileSync(join(out, '2-finetune-v1', 'config.json'), 'utf8'));
    expect(cfg1.train.blend.stage).toBe('texture-noise');
    expect(cfg1.model).toEqual(TRAIN.model);
    expect(JSON.parse(readFileSync(join(out, '3-finetune-v2', 'config.json'), 'utf8')).train.blend.stage).toBe('texture');
    // Stage 1 changes layer1 and nothing else; stage 2 changes layer2 and nothing else.
    const [w0, w1, w2] = ['1-train', '2-finetune-v1', '3-finetune-v2'].map((s) => params(join(out, s, 'weights.safetensors')));
    const changed = (a: typeof w0, b: typeof w0) => [...a.keys()].filter((n) => Array.from(a.get(n)!.data).some((v, i) => v !== b.get(n)!.data[i]));
    const blocks = (names: string[]) => [...new Set(names.map((n) => n.split('.')[0]))];
    expect(blocks(changed(w0, w1))).toEqual(['layer1']);
    expect(blocks(changed(w1, w2))).toEqual(['layer2']);
    const md = readFileSync(join(out, 'pipeline.md'), 'utf8');
    expect(md).toMatch(/\| finetune layer2 \(textures\) \(`3-finetune-v2`\) \| 2 \| [\d.]+ % \| -?[\d.]+ \(\w+\) \|/);
    // Through the real command line (a process of its own, as a user runs it): a rerun without --resume is
    // refused, the stages holding runs; with it, every stage is found finished and only scored again.
    const cli = (...extra: string[]) => spawnSync(process.execPath, ['bin/cortexgpu.js', 'pipeline', '-c', config, '-o', out, '--max-steps', '2',
      '--benchmarks', 'v1', '--stimuli', '40', '--splits', '2', '--no-progress', ...extra], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
    const refused = cli();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^cortexgpu: .*1-train: already holds a run .*--resume/m);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const again = cli('--resume');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.match(/is finished .*, skipped/g)).toHaveLength(3);
    const summary = JSON.parse(readFileSync(join(out, 'pipeline.json'), 'utf8')) as { steps: number; top1: number }[];
    expect(summary.map((r) => [r.steps, r.top1])).toEqual(results.map((r) => [r.steps, r.top1]));
  }, 600_000);

  it('a stage file asking for the wrong blends is refused naming the file and field', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cg-pipeline-bad-'));
    const config = join(out, 'train.json');
    writeFileSync(config, JSON.stringify(TRAIN));
    const err = await pipelineCommand({ ...args(out, config), stage1: 'tools/configs/finetune-v2.json' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/finetune-v2\.json: field 'train\.blend\.stage': stage 1 fine-tunes on 'texture-noise' blends, the file asks for 'texture'/);
    expect(existsSync(join(out, '1-train'))).toBe(false);
  });
});
