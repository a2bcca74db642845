// Runs the README's example as written, in a child process, against the bundled package: it must train (loss
// goes down) and the process must exit by itself (the engine releases Dawn).
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

describe('README example', () => {
  it('trains, prints a falling loss and exits on its own', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const code = /## Example[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, 'README has a js example under "## Example"').toBeTruthy();
    expect(code!.split('\n').filter(Boolean).length).toBeLessThanOrEqual(30);
    // Inside the project, so the bundle's bare imports (webgpu) resolve to our node_modules.
    const dir = join(process.cwd(), 'dist', 'readme-example');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'example.mjs'), code!);
    await build({
      entryPoints: [join(dir, 'example.mjs')], outfile: join(dir, 'bundle.mjs'), bundle: true, platform: 'node', format: 'esm',
      alias: { cortexgpu: join(process.cwd(), 'src/index.ts') }, packages: 'external', logLevel: 'error',
    });
    const r = spawnSync(process.execPath, [join(dir, 'bundle.mjs')], { encoding: 'utf8', timeout: 120_000 });
    expect(r.error, 'the process must exit by itself within the timeout').toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const m = /loss ([\d.]+) → ([\d.]+)/.exec(r.stdout);
    expect(m, r.stdout).toBeTruthy();
    expect(Number(m![2])).toBeLessThan(Number(m![1]) * 0.8);
  });
});
