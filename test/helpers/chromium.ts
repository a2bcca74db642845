/**
 * Headless Debian Chromium for browser tests, as measured in the project's browser recipe: playwright-core drives
 * /usr/bin/chromium (never a downloaded browser); `--enable-unsafe-webgpu` gives WebGPU a SwiftShader adapter,
 * and the ANGLE/Vulkan SwiftShader flags let canvases reach screenshots. `--enable-features` is last-one-wins,
 * so Playwright's own entries are repeated beside Vulkan.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const BASE_FLAGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader', '--use-vulkan=swiftshader',
  '--enable-features=Vulkan,CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies',
];

export function haveChromium(): boolean { return existsSync(CHROMIUM); }

/** A headless browser with WebGPU (or, with webgpu false, Chromium's default: navigator.gpu without an adapter). */
export function launchChromium(webgpu = true): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BASE_FLAGS, ...(webgpu ? WEBGPU_FLAGS : [])] });
}
