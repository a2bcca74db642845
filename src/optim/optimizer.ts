/**
 * Shared optimiser machinery: the parameter list, a settable learning rate, per-parameter state buffers
 * ("slots", e.g. Adam's exp_avg) and step counts, zeroGrad, and state()/loadState() for checkpoints.
 * Subclasses supply `update`, one fused kernel dispatch per parameter, and may batch a step's parameters into
 * multi-tensor dispatches (`updateAll`).
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { fmt, sameShape } from '../tensor/shape.js';
import { copyInto } from '../ops/movement.js';

/** One parameter to update in a step: its index, the parameter and its gradient. */
export interface StepItem { index: number; p: Tensor; grad: Tensor }

/**
 * Groups of at most `slots` items, largest first, so that each multi-tensor dispatch (sized by its largest member)
 * wastes few threads on its smaller ones.
 */
export function slotGroups(items: readonly StepItem[], slots: number): StepItem[][] {
  const sorted = [...items].sort((a, b) => b.p.size - a.p.size || a.index - b.index);
  const out: StepItem[][] = [];
  for (let i = 0; i < sorted.length; i += slots) out.push(sorted.slice(i, i + slots));
  return out;
}

export abstract class Optimizer {
  readonly params: readonly Tensor[];
  /** Read at every step, so schedules just assign it. */
  lr: number;
  protected readonly engine: Engine;
  /** Per parameter: slot name → buffer (owned here, kept out of scopes). */
  readonly #slots: Map<string, Tensor>[];
  /** Per parameter: how many updates it has had (torch's state['step']). */
  protected readonly steps: number[];
  readonly #slotNames: readonly string[];
  readonly #name: string;
  #spares: Tensor[] = [];
  /** Parameter indices the last step() updated: what a replay of that step advances (see countReplay). */
  #stepped: number[] = [];

  constructor(name: string, params: readonly Tensor[], lr: number, slotNames: readonly string[]) {
    if (params.length === 0) throw new ArgumentError(`${name}: no parameters to optimise`);
    if (!(lr >= 0)) throw new ArgumentError(`${name}: learning rate ${lr} must be ≥ 0`);
    const engine = params[0].engine;
    for (const p of params) {
      if (p.dtype !== 'f32') throw new ShapeError(`${name}: parameter ${p.describe()} is not f32`);
      if (p.engine !== engine) throw new ArgumentError(`${name}: parameters come from different engines`);
    }
    if (new Set(params).size !== params.length) throw new ArgumentError(`${name}: a parameter is listed twice`);
    this.#name = name;
    this.params = [...params];
    this.lr = lr;
    this.engine = engine;
    this.#slotNames = slotNames;
    this.#slots = params.map(() => new Map());
    this.steps = params.map(() => 0);
  }

  /** One update of every parameter that has a gradient; the others are skipped, as in torch. */
  step(): void {
    this.#stepped = [];
    const items: StepItem[] = [];
    this.params.forEach((p, i) => {
      const g = p.grad;
      if (!g) return;
      if (!sameShape(g.shape, p.shape)) {
        throw new ShapeError(`${this.#name}: gradient ${fmt(g.shape)} does not match parameter ${p.describe()}`);
      }
      this.steps[i]++;
      this.#stepped.push(i);
      items.push({ index: i, p, grad: g });
    });
    this.updateAll(items);
  }

  /** Updates every listed parameter; subclasses with a multi-tensor kernel override this to batch them. */
  protected updateAll(items: readonly StepItem[]): void {
    for (const it of items) this.update(it.index, it.p, it.grad);
  }

  /**
   * Counts one replay of a captured step() (engine.capture): the parameters that step updated advance their step
   * counts, as an eager step() would, before the replay re-reads the update params (lr, bias corrections).
   */
  countReplay(stepped: readonly number[]): void {
    for (const i of stepped) this.steps[i]++;
  }

  /** The indices the last step() updated; pass them to countReplay() for each replay of a capture of it. */
  get lastStepped(): readonly number[] { return this.#stepped; }

  protected abstract update(index: number, p: Tensor, grad: Tensor): void;

  /**
   * `count` distinct one-element buffers, made once and kept until dispose(): bound in the unused slots of a
   * multi-tensor dispatch (WebGPU refuses one writable buffer bound twice in a dispatch); never read (n = 0).
   */
  protected spares(count: number): Tensor[] {
    while (this.#spares.length < count) this.#spares.push(this.engine.empty([1], 'f32', `${this.#name} spare slot`).keep());
    return this.#spares.slice(0, count);
  }

  /** Whether the device binds `perSlot`·`slots` storage buffers in one dispatch (multi-tensor updates). */
  protected fitsSlots(perSlot: number, slots: number): boolean {
    return this.engine.limits.maxStorageBuffersPerShaderStage >= perSlot * slots;
  }

  /** The named buffer of parameter `index`, or null before it exists. */
  protected slot(index: number, name: string): Tensor | null {
    return this.#slots[index].get(name) ?? null;
  }

  /** Creates (zero-filled when `zero`) or returns the named buffer of parameter `index`. */
  protected ensureSlot(index: number, name: string, zero: boolean): Tensor {
    let t = this.#slots[index].get(name);
    if (!t) {
      const p = this.params[index];
      // keep(): a step taken inside a scope must not free the optimiser's state when the scope ends.
      t = (zero ? this.engine.zeros(p.shape) : this.engine.empty(p.shape, 'f32', `${this.#name} ${name}`)).keep();
      this.#slots[index].set(name, t);
    }
    return t;
  }

  /** Frees every parameter's gradient (the next backward allocates fresh ones). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /**
   * The state by parameter index: `${i}.${slot}` buffers and `${i}.step` (i32 [1]), the names torch's
   * state_dict uses. The caller owns the returned tensors; buffers are views, so disposing them frees nothing here.
   */
  state(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    this.#slots.forEach((slots, i) => {
      if (this.steps[i] === 0) return;
      for (const [name, t] of slots) out[`${i}.${name}`] = t.view(t.shape);
      out[`${i}.step`] = this.engine.tensor(Int32Array.of(this.steps[i]), [1], 'i32');
    });
    return out;
  }

  /**
   * Replaces the whole state with a copy of `state` (as from state()); parameters it does not mention start
   * afresh. Async because the step counts are read back from their tensors.
   */
  async loadState(state: Record<string, Tensor>): Promise<void> {
    const steps = this.params.map(() => 0);
    const copies: [number, string, Tensor][] = [];
    for (const [key, t] of Object.entries(state)) {
      const match = /^(\d+)\.(\w+)$/.exec(key);
      const i = match ? Number(match[1]) : -1;
      const p = this.params[i];
      if (!match || !p || (match[2] !== 'step' && !this.#slotNames.includes(match[2]))) {
        throw new ShapeError(`${this.#name}.loadState: unexpected entry '${key}' (${this.params.length} parameters, `
          + `slots ${[...this.#slotNames, 'step'].join(', ')})`);
      }
      if (match[2] === 'step') {
        const n = t.size === 1 ? (await t.read())[0] : NaN;
        if (!(Number.isInteger(n) && n >= 0)) throw new ShapeError(`${this.#name}.loadState: '${key}' is not a step count`);
        steps[i] = n;
      } else if (t.dtype !== 'f32' || !sameShape(t.shape, p.shape)) {
        throw new ShapeError(`${this.#name}.loadState: '${key}' is ${t.describe()}, parameter ${i} is ${p.describe()}`);
      } else copies.push([i, match[2], t]);
    }
    for (const [i, name] of copies) {
      if (steps[i] === 0) throw new ShapeError(`${this.#name}.loadState: '${i}.${name}' comes without '${i}.step'`);
    }
    this.#clearSlots();
    steps.forEach((n, i) => { this.steps[i] = n; });
    for (const [i, name, src] of copies) {
      const dst = this.ensureSlot(i, name, false);
      copyInto(dst, src);
    }
  }

  /** Frees the state buffers (the parameters and their gradients stay). */
  dispose(): void {
    this.#clearSlots();
    for (const t of this.#spares) t.dispose();
    this.#spares = [];
    this.steps.fill(0);
  }

  #clearSlots(): void {
    for (const slots of this.#slots) {
      for (const t of slots.values()) t.dispose();
      slots.clear();
    }
  }
}
