/**
 * Modules: named parameters, buffers and children, with PyTorch's dotted names (`layer1.iter_1.2.weight`) so
 * state dicts move both ways. train()/eval(), freezing by name, state_dict load with shape checks.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { fmt, sameShape } from '../tensor/shape.js';
import { copyInto } from '../ops/movement.js';

export interface HostTensor { shape: readonly number[]; data: Float32Array | Int32Array }

export abstract class Module {
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  constructor(readonly engine: Engine) {}

  protected param(name: string, t: Tensor): Tensor {
    t.keep();
    t.requiresGrad = true;
    t.name = name;
    this.#params.set(name, t);
    return t;
  }

  protected buffer(name: string, t: Tensor): Tensor {
    t.keep();
    t.name = name;
    this.#buffers.set(name, t);
    return t;
  }

  protected child<M extends Module>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }

  /**
   * Registers the child `name`, made by `make` from its dotted path under `path` (this module's own path, '' at the
   * root). Layers key their initial weights by that path, so the keys are the torch names and never written twice.
   */
  protected childAt<M extends Module>(path: string, name: string, make: (at: string) => M): M {
    return this.child(name, make(path ? `${path}.${name}` : name));
  }

  children(): [string, Module][] { return [...this.#children]; }

  /** Every module under this one with its dotted path ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, c] of this.#children) out.push(...c.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  namedParameters(): [string, Tensor][] {
    return this.namedModules().flatMap(([p, m]) => [...m.#params].map(([n, t]) => [p ? `${p}.${n}` : n, t] as [string, Tensor]));
  }

  /** Distinct parameters (a weight shared by several modules appears once, as in torch's parameters()). */
  parameters(): Tensor[] { return [...new Set(this.namedParameters().map(([, t]) => t))]; }

  /** Parameters that currently receive gradients (not frozen). */
  trainableParameters(): Tensor[] { return this.parameters().filter((t) => t.requiresGrad); }

  namedBuffers(): [string, Tensor][] {
    return this.namedModules().flatMap(([p, m]) => [...m.#buffers].map(([n, t]) => [p ? `${p}.${n}` : n, t] as [string, Tensor]));
  }

  /** Parameters and buffers by PyTorch name. */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /** Copies host tensors into the module. Missing or unexpected names and shape mismatches name the tensor. */
  /**
   * Copies, on the GPU, every state entry of `other` whose name starts with `prefix` into this module's entry of the
   * same name (e.g. a trained core into a freshly initialised model). Names and shapes must match.
   */
  copyStateFrom(other: Module, prefix = ''): void {
    const own = this.stateDict();
    let copied = 0;
    for (const [name, t] of other.stateDict()) {
      if (!name.startsWith(prefix)) continue;
      const dst = own.get(name);
      if (!dst) throw new ShapeError(`copyStateFrom: '${name}' is not in this module`);
      if (!sameShape(dst.shape, t.shape)) throw new ShapeError(`copyStateFrom: '${name}' is ${fmt(t.shape)} here ${fmt(dst.shape)}`);
      this.engine.noGrad(() => copyInto(dst, t));
      copied++;
    }
    if (!copied) throw new ArgumentError(`copyStateFrom: no state entry starts with '${prefix}'`);
  }

  loadStateDict(state: Map<string, HostTensor>, opts: { strict?: boolean; ignore?: RegExp } = {}): void {
    const own = this.stateDict();
    const strict = opts.strict ?? true;
    const problems: string[] = [];
    for (const [name, t] of own) {
      const src = state.get(name);
      if (!src) { if (strict && !opts.ignore?.test(name)) problems.push(`missing ${name}`); continue; }
      if (!sameShape(src.shape, t.shape)) { problems.push(`${name}: checkpoint ${fmt(src.shape)} vs model ${fmt(t.shape)}`); continue; }
      if (src.data.length !== t.size) { problems.push(`${name}: ${src.data.length} values for ${fmt(t.shape)}`); continue; }
    }
    if (strict) for (const name of state.keys()) if (!own.has(name) && !opts.ignore?.test(name)) problems.push(`unexpected ${name}`);
    if (problems.length) throw new ShapeError(`loadStateDict: ${problems.slice(0, 12).join('; ')}${problems.length > 12 ? ` (+${problems.length - 12} more)` : ''}`);
    for (const [name, t] of own) {
      const src = state.get(name);
      if (src) t.write(t.dtype === 'i32' ? Int32Array.from(src.data) : Float32Array.from(src.data));
    }
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this { return this.train(false); }

  /**
   * Freezes every parameter, then unfreezes those whose name starts with one of `trainable` (e.g. ['layer1.']).
   * Returns the names left trainable, so a typo that matches nothing is visible.
   */
  freezeAllBut(trainable: readonly string[]): string[] {
    const left: string[] = [];
    for (const [n, t] of this.namedParameters()) {
      t.requiresGrad = trainable.some((p) => n === p || n.startsWith(p.endsWith('.') ? p : `${p}.`));
      if (t.requiresGrad) left.push(n);
    }
    if (trainable.length && !left.length) throw new ArgumentError(`freezeAllBut: no parameter matches [${trainable.join(', ')}]`);
    return left;
  }

  unfreeze(): void { for (const t of this.parameters()) t.requiresGrad = true; }

  numParameters(): number { return this.parameters().reduce((s, t) => s + t.size, 0); }

  dispose(): void {
    for (const t of new Set(this.stateDict().values())) t.dispose();
  }
}
