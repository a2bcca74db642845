/** One engine per test file: created before the tests, closed after (so the worker process can exit). */
import { afterAll, beforeAll } from 'vitest';
import { Engine } from '../../src/engine.js';
import type { DeviceOptions } from '../../src/gpu/device.js';

export function useEngine(opts: DeviceOptions = {}): () => Engine {
  let engine: Engine | null = null;
  beforeAll(async () => { engine = await Engine.create(opts); });
  afterAll(() => { engine?.close(); engine = null; });
  return () => {
    if (!engine) throw new Error('engine not created yet');
    return engine;
  };
}
