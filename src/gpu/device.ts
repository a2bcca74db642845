/**
 * Adapter and device for Node (npm `webgpu`, i.e. Dawn) and browsers (`navigator.gpu`).
 * The device is opened with the adapter's own limits (the defaults are far lower than the hardware),
 * optionally capped for tests that force small limits.
 */
import { NoAdapterError } from '../errors.js';

export interface DeviceOptions {
  powerPreference?: GPUPowerPreference;
  /** Caps applied on top of the adapter's limits (e.g. a small maxStorageBufferBindingSize in tests). */
  limitCaps?: Partial<Record<'maxStorageBufferBindingSize' | 'maxBufferSize', number>>;
  /** Ask for the timestamp-query feature when the adapter has it (used by the benchmarks). */
  timestamps?: boolean;
}

export interface OpenedDevice {
  device: GPUDevice;
  adapterName: string;
  features: Set<string>;
  /** The effective limits: the device's, with test caps applied. */
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number; maxComputeWorkgroupsPerDimension: number;
    maxStorageBuffersPerShaderStage: number; minUniformBufferOffsetAlignment: number; minStorageBufferOffsetAlignment: number };
  /** Releases the native runtime (Dawn) so the process can exit. */
  release(): void;
}

const INSTALL_HINT =
  'No WebGPU adapter found. On Linux without a GPU install Mesa lavapipe (Vulkan on the CPU): ' +
  'run `sudo bash tools/install-lavapipe.sh` (Debian bookworm: mesa-vulkan-drivers from bookworm-backports). ' +
  'With a GPU, install its Vulkan driver (NVIDIA: the proprietary driver; AMD/Intel: mesa-vulkan-drivers). ' +
  'In a browser, use one with WebGPU enabled.';

/**
 * One Dawn instance per process, shared by every engine open at the same time and dropped when the last closes.
 * NOTE: a create() result kept past the last engine keeps Node alive (dawn-gpu/node-webgpu#18); one instance per
 * engine instead lets an instance be collected while another engine still runs, which can abort the process.
 */
let shared: { gpu: GPU; engines: number } | null = null;

async function getGpu(): Promise<{ gpu: GPU; release: () => void }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, release: () => {} };
  // A browser without WebGPU (no navigator.gpu) has no Node fallback either.
  if (typeof process === 'undefined') throw new NoAdapterError(INSTALL_HINT);
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  if (!shared) {
    const mod = (await import('webgpu')) as unknown as { create: (o: string[]) => GPU; globals: object };
    // Dawn's enums (GPUBufferUsage, ...) are needed as globals; they hold no native state.
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    shared = { gpu: mod.create([]), engines: 0 };
  }
  const s = shared;
  s.engines++;
  let released = false;
  return {
    gpu: s.gpu,
    release: () => {
      if (released) return;
      released = true;
      if (--s.engines === 0 && shared === s) shared = null;
    },
  };
}

export async function openDevice(opts: DeviceOptions = {}): Promise<OpenedDevice> {
  const { gpu, release } = await getGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) { release(); throw new NoAdapterError(INSTALL_HINT); }
  const al = adapter.limits;
  const requiredLimits: Record<string, number> = {};
  for (const key of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
    'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupsPerDimension', 'maxBindGroups'] as const) {
    requiredLimits[key] = al[key];
  }
  const wanted: GPUFeatureName[] = ['shader-f16', 'subgroups'];
  if (opts.timestamps) wanted.push('timestamp-query');
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const info = adapter.info;
  const adapterName = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const dl = device.limits;
  const cap = (k: 'maxStorageBufferBindingSize' | 'maxBufferSize') => Math.min(dl[k], opts.limitCaps?.[k] ?? Infinity);
  return {
    device,
    adapterName,
    features: new Set([...device.features]),
    limits: {
      maxStorageBufferBindingSize: cap('maxStorageBufferBindingSize'),
      maxBufferSize: cap('maxBufferSize'),
      maxComputeWorkgroupsPerDimension: dl.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: dl.maxStorageBuffersPerShaderStage,
      minUniformBufferOffsetAlignment: dl.minUniformBufferOffsetAlignment,
      minStorageBufferOffsetAlignment: dl.minStorageBufferOffsetAlignment,
    },
    release,
  };
}
