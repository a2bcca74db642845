/**
 * Conv-RNN models as data (the shape of neuroailab/convrnns' model JSONs plus model_func's overrides): nodes
 * (harbor → pre-memory ops → cell → post-memory ops), edges (feed-forward and feedback alike), the movie.
 * The architecture search writes these; `convrnn train --model file.json` reads them back through the schema.
 */
import { z } from 'zod';
import type { RgcConfig } from './cells/rgc.js';
import type { StandardConfig } from './cells/standard.js';
import type { InitSpec } from './params.js';
import type { Activation, Padding } from './tf-ops.js';

export type PreOp =
  | { op: 'conv'; kernel: number; stride: number; out: number; padding: Padding; activation: Activation; init: InitSpec; decay: number }
  | { op: 'gap' }
  | { op: 'fc'; out: number; init: InitSpec; decay: number; biasInit: number };

export type PostOp = { op: 'elu' } | { op: 'maxpool'; kernel: number; stride: number; padding: Padding } | { op: 'gap' };

/** GenFuncCell's `memory`: state·decay + x, decay 0 and frozen in the released models ("timedecay" trains it). */
export interface MemoryConfig { kind: 'memory'; decay: number; trainable: boolean }

export type CellConfig = RgcConfig | StandardConfig | MemoryConfig;

export interface NodeSpec {
  name: string;
  /** The feed-forward predecessor ('input' for the movie); RGC nodes split it off the harbor by this name. */
  inputName: string;
  /** Node whose output size sets the harbor size (default: the inputName node). */
  shapeFrom?: string;
  pre: PreOp[];
  cell: CellConfig;
  post: PostOp[];
}

export interface ModelSpec {
  name: string;
  input: { channels: number; size: number };
  nodes: NodeSpec[];
  /** [from, to]; a node's predecessors are read at t − 1. */
  edges: [string, string][];
  /** The node whose last-step output is the logits. */
  output: string;
  /** Steps in all, frames showing the image, and the blank's value (in normalised input space). */
  times: number;
  imageOff: number;
  blank: number;
}

const act = z.enum(['elu', 'relu', 'tanh', 'sigmoid', 'identity']);
const init = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('zeros') }), z.object({ kind: z.literal('const'), value: z.number() }), z.object({ kind: z.literal('xavier') }),
  z.object({ kind: z.literal('variance_scaling'), scale: z.number().positive() }), z.object({ kind: z.literal('normal'), std: z.number().positive() }),
]);
const pos = z.number().int().positive();
const gate = z.object({
  kernel: pos, separable: z.boolean(), nonlinearity: z.enum(['sigmoid', 'tanh']), offset: z.number(), multiplier: z.number(), bias: z.number(),
}).strict();
const rgc = z.object({
  kind: z.literal('rgc'), form: z.enum(['cells', 'median']), cellDepth: pos, tau: gate, gate,
  ff: z.object({ kernel: pos, separable: z.boolean() }).strict(), inputToCell: z.boolean(), cellResidual: z.boolean(),
  inputToOut: z.object({ kernel: pos, separable: z.boolean() }).strict().nullable(), cellToOut: z.boolean(),
  outResidual: z.boolean(), residualToOutGate: z.boolean(),
  feedback: z.object({ entry: z.enum(['input', 'cell', 'out']), kernel: pos, separable: z.boolean(), activation: act }).strict(),
  inputActivation: act, cellActivation: act, outActivation: act, kernelInit: init, weightDecay: z.number().nonnegative(),
}).strict().refine((c) => c.inputToCell || c.cellResidual, 'an RGC needs inputToCell or cellResidual');
const standard = z.object({
  kind: z.enum(['basic', 'lstm', 'gru', 'ugrnn', 'intersection']), outDepth: pos, filter: pos, layerNorm: z.boolean(),
  forgetBias: z.number(), peepholes: z.boolean(), biasInit: z.number(), kernelInit: init, weightDecay: z.number().nonnegative(),
}).strict();
const memory = z.object({ kind: z.literal('memory'), decay: z.number(), trainable: z.boolean() }).strict();
const pre = z.discriminatedUnion('op', [
  z.object({ op: z.literal('conv'), kernel: pos, stride: pos, out: pos, padding: z.enum(['SAME', 'VALID']), activation: act, init, decay: z.number().nonnegative() }).strict(),
  z.object({ op: z.literal('gap') }).strict(),
  z.object({ op: z.literal('fc'), out: pos, init, decay: z.number().nonnegative(), biasInit: z.number() }).strict(),
]);
const post = z.discriminatedUnion('op', [
  z.object({ op: z.literal('elu') }).strict(),
  z.object({ op: z.literal('maxpool'), kernel: pos, stride: pos, padding: z.enum(['SAME', 'VALID']) }).strict(),
  z.object({ op: z.literal('gap') }).strict(),
]);
const node = z.object({
  name: z.string().min(1), inputName: z.string().min(1), shapeFrom: z.string().optional(),
  pre: z.array(pre), cell: z.union([rgc, standard, memory]), post: z.array(post),
}).strict();

export const modelSpecSchema = z.object({
  name: z.string().min(1), input: z.object({ channels: pos, size: pos }).strict(), nodes: z.array(node).min(1),
  edges: z.array(z.tuple([z.string(), z.string()])), output: z.string(), times: pos, imageOff: z.number().int().nonnegative(), blank: z.number(),
}).strict();
