/** The target checks of the "node bench" issue, and the printed table. */
import type { Row } from './harness.js';

export interface Target {
  what: string;
  target: string;
  value: number | null;
  unit: string;
  /** null: not measured in this run (say why in `note`). */
  holds: boolean | null;
  note?: string;
}

export interface Summary {
  targets: Target[];
  /** Our fastest matmul, on the basis (GPU or wall time) the conv comparison uses. */
  bestMatmul: { name: string; gflops: number; basis: 'GPU' | 'wall' } | null;
}

const find = (rows: Row[], stem: string, name: string) => rows.find((r) => r.stem === stem && r.name === name);

function peerTarget(rows: Row[], stem: string, name: string, label: string): Target {
  const r = find(rows, stem, name);
  const base = { what: `${label} vs tfjs-webgpu (wall, same run)`, target: '≥ 3×', unit: '×' };
  if (!r) return { ...base, value: null, holds: null, note: 'not run (filtered out or failed)' };
  if (!r.peer) return { ...base, value: null, holds: null, note: 'run with --compare' };
  return { ...base, value: r.peer.speedup, holds: r.peer.speedup >= 3 };
}

function bestMatmul(rows: Row[]): Summary['bestMatmul'] {
  const mm = rows.filter((r) => r.stem === 'matmul');
  const gpu = mm.every((r) => r.gflopsGpu !== undefined);
  const key = gpu ? 'gflopsGpu' : 'gflops';
  const best = mm.reduce<Row | null>((b, r) => ((r[key] ?? 0) > (b?.[key] ?? 0) ? r : b), null);
  return best ? { name: best.name, gflops: best[key]!, basis: gpu ? 'GPU' : 'wall' } : null;
}

/** With `quick`, the shapes are not the targets' workloads: values are shown, but no target is judged. */
export function summarise(rows: Row[], quick: boolean): Summary {
  const best = bestMatmul(rows);
  const targets = [
    peerTarget(rows, 'conv2d', '3×3 fwd', 'conv 3×3 fwd'),
    peerTarget(rows, 'conv2d', '3×3 fwd+bwd', 'conv 3×3 fwd+bwd'),
    peerTarget(rows, 'grcl', 'step fwd', 'GRCL step fwd'),
    peerTarget(rows, 'grcl', 'step fwd+bwd', 'GRCL step fwd+bwd'),
  ];
  for (const name of ['3×3 fwd', '3×3 fwd+bwd']) {
    const r = find(rows, 'conv2d', name);
    const what = `conv ${name} GFLOP/s as a share of the best matmul`;
    const g = best && r ? (best.basis === 'GPU' ? r.gflopsGpu : r.gflops) : undefined;
    if (!best || g === undefined) {
      targets.push({ what, target: '≥ 50 %', value: null, unit: '%', holds: null, note: 'needs the conv2d and matmul benches' });
    } else {
      const pct = (100 * g) / best.gflops;
      targets.push({ what, target: '≥ 50 %', value: pct, unit: '%', holds: pct >= 50,
        note: `${g.toFixed(2)} vs ${best.gflops.toFixed(2)} GFLOP/s (${best.name}), ${best.basis} time` });
    }
  }
  for (const r of rows.filter((x) => x.stem === 'train-step' && x.extra?.readbacksPerStep !== undefined)) {
    const v = r.extra!.readbacksPerStep as number;
    targets.push({ what: `CPU↔GPU waits per ${r.name}`, target: '≤ 1', value: v, unit: '', holds: v <= 1 });
  }
  if (quick) {
    for (const t of targets) if (t.holds !== null) { t.holds = null; t.note = `${t.note ? `${t.note}; ` : ''}--quick shapes, not judged`; }
  }
  return { targets, bestMatmul: best };
}

function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 10 ** digits || Number.isInteger(x)) return x.toFixed(0);
  return x.toPrecision(digits);
}

const pair = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? '' : `${num(a)} / ${num(b)}`);

function grid(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function extras(r: Row): string {
  const kv = Object.entries(r.extra ?? {}).map(([k, v]) => `${k} ${typeof v === 'number' ? num(v, 4) : String(v)}`);
  return [...kv, ...(r.note ? [r.note] : [])].join(', ');
}

export function table(rows: Row[], s: Summary): string {
  const body = rows.map((r) => [
    r.stem, r.name, r.shape, num(r.wallMs), num(r.gpuMs), pair(r.gflops, r.gflopsGpu), pair(r.gbps, r.gbpsGpu),
    r.peer ? num(r.peer.wallMs) : '', r.peer ? `${num(r.peer.speedup)}×` : '', num(r.load[0]),
  ]);
  const main = grid(['bench', 'workload', 'shape', 'wall ms', 'GPU ms', 'GFLOP/s wall / GPU', 'GB/s wall / GPU', 'tfjs ms',
    'tfjs ÷ ours', 'load'], body);
  const more = rows.filter((r) => r.extra || r.note).map((r) => `- ${r.stem} ${r.name}: ${extras(r)}`);
  const targets = grid(['target', 'wanted', 'measured', 'holds'], s.targets.map((t) => [
    t.what, t.target, t.value === null ? (t.note ?? '–') : `${num(t.value)}${t.unit}${t.note ? ` (${t.note})` : ''}`,
    t.holds === null ? (t.value === null ? 'not measured' : 'not judged') : t.holds ? 'yes' : 'NO',
  ]));
  return [main, more.join('\n'), targets].filter(Boolean).join('\n\n') + '\n';
}
