/**
 * Training progress: a terminal bar (cli-progress) on a TTY; otherwise (a log file, CI) one line at a steady
 * cadence, at the first update after every `everySeconds`. The ETA is this session's wall time per step so far
 * times the steps left, so it includes data loading and the per-epoch evaluations, and is correct after a resume.
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../train/trainer.js';

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  const t = Math.round(s);
  const h = Math.floor(t / 3600); const m = Math.floor((t % 3600) / 60); const sec = t % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

/** Seconds left: the mean wall time per step since the first update, times the steps left. */
export function etaSeconds(first: { step: number; t: number }, now: { step: number; t: number }, total: number): number {
  const done = now.step - first.step;
  return done > 0 ? ((now.t - first.t) / 1000 / done) * (total - now.step) : NaN;
}

export function trainingBar(enabled: boolean, opts: { tty?: boolean; everySeconds?: number; write?: (line: string) => void } = {}):
  { update: (p: Progress) => void; stop: () => void } {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const t0 = { step: -1, t: performance.now() };
  const line = (p: Progress) => {
    const now = { step: p.step, t: performance.now() };
    return { eta: formatSeconds(etaSeconds(t0, now, p.totalSteps)), epoch: p.epoch + 1, loss: p.loss.toFixed(4), lr: p.lr.toPrecision(3), ips: p.imagesPerSec.toFixed(1) };
  };
  const tty = opts.tty ?? process.stdout.isTTY;
  if (!tty) {
    const write = opts.write ?? ((s: string) => console.log(s));
    const every = (opts.everySeconds ?? 30) * 1000;
    let last = -Infinity;
    return {
      update: (p) => {
        if (t0.step < 0) { t0.step = p.step; t0.t = performance.now(); }
        const now = performance.now();
        if (now - last < every && p.step < p.totalSteps) return;
        last = now;
        const v = line(p);
        write(`step ${p.step}/${p.totalSteps} (${((100 * p.step) / p.totalSteps).toFixed(0)}%) | epoch ${v.epoch} | loss ${v.loss} | lr ${v.lr} | ${v.ips} img/s | ETA ${v.eta}`);
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar({
    format: ' {bar} {percentage}% | step {value}/{total} | epoch {epoch} | loss {loss} | lr {lr} | {ips} img/s | ETA {eta}',
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update: (p) => {
      if (t0.step < 0) { t0.step = p.step; t0.t = performance.now(); }
      const payload = line(p);
      if (!started) { bar.start(p.totalSteps, p.step, payload); started = true; } else bar.update(p.step, payload);
    },
    stop: () => { if (started) bar.stop(); started = false; },
  };
}
