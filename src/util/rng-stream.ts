/**
 * A resumable stream of RNG keys: each draw is streamKey(seed, counter++). Saving (seed, counter) in a
 * checkpoint makes dropout masks, augmentations and phase noise replay exactly after --resume.
 */
import { streamKey } from '../ref/random.js';

export class RngStream {
  constructor(public seed: number, public counter = 0) {}

  next(): [number, number] { return streamKey(this.seed, this.counter++); }

  /** A derived stream for a named purpose, independent of this one's position. */
  fork(id: number): RngStream { return new RngStream(streamKey(this.seed, 0x51ed0000 + id)[0]); }

  state(): { seed: number; counter: number } { return { seed: this.seed, counter: this.counter }; }
}
