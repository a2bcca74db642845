/** A terminal progress bar for training (cli-progress), silent when stdout is not a terminal. */
import cliProgress from 'cli-progress';
import type { Progress } from '../train/trainer.js';

export function trainingBar(enabled: boolean): { update: (p: Progress) => void; stop: () => void } {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({
    format: ' {bar} {percentage}% | step {value}/{total} | epoch {epoch} | loss {loss} | lr {lr} | {ips} img/s | ETA {eta_formatted}',
    hideCursor: true,
    etaBuffer: 50,
    noTTYOutput: !process.stdout.isTTY,
    notTTYSchedule: 5000,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update: (p) => {
      const payload = { epoch: p.epoch + 1, loss: p.loss.toFixed(4), lr: p.lr.toPrecision(3), ips: p.imagesPerSec.toFixed(1) };
      if (!started) { bar.start(p.totalSteps, p.step, payload); started = true; } else bar.update(p.step, payload);
    },
    stop: () => { if (started) bar.stop(); },
  };
}
