// Child process of startup.bench.ts, so that each figure starts from a fresh process (and, with
// MESA_SHADER_CACHE_DISABLE=true, from no shader cache). Prints one JSON line.
//   node bench/startup-child.js ttfr            import the built library, open a device, read back a tiny kernel
//   node bench/startup-child.js warmup FILE     compile the kernels listed in FILE (JSON) with pipelines.warmup
import { readFileSync } from 'node:fs';

const [mode, file] = process.argv.slice(2);
// performance.now() counts from the start of this process.
const { Engine, addScalar } = await import(new URL('../dist/index.js', import.meta.url).href);
const importedMs = performance.now();
const engine = await Engine.create();
const createdMs = performance.now();
let out;
if (mode === 'ttfr') {
  const y = addScalar(engine.tensor([1, 2, 3, 4]), 1);
  const v = await y.read();
  out = { ttfrMs: performance.now(), importedMs, deviceMs: createdMs - importedMs, correct: v[3] === 5 };
} else if (mode === 'warmup') {
  const list = JSON.parse(readFileSync(file, 'utf8'));
  const t0 = performance.now();
  await engine.runtime.pipelines.warmup(list);
  out = { warmupMs: performance.now() - t0, pipelines: engine.runtime.pipelines.size, deviceMs: createdMs - importedMs };
} else {
  throw new Error(`startup-child: unknown mode '${mode}'`);
}
engine.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
