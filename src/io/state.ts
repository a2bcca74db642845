/** Moves module state between the GPU and host tensors (for checkpoints and conversion). */
import type { Tensor } from '../tensor/tensor.js';
import type { HostTensor } from '../nn/module.js';

export async function toHost(tensors: Iterable<[string, Tensor]>): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of tensors) out.set(name, { shape: [...t.shape], data: await t.read() });
  return out;
}
