// Parameter counts of the four released conv-RNNs, from the declared shapes (no GPU allocation): the authors'
// model_func in TF gives rgc_shallow 23,956,840, lstm_shallow 21,126,248, simplernn_shallow 6,272,872 and
// rgc_intermediate 15,445,800 trainable parameters, plus 3–4 frozen memory_decay scalars.
import { describe, expect, it } from 'vitest';
import { countParameters, planModel, tfNameMap } from '../../src/convrnn/graph.js';
import { presetModel, withClasses } from '../../src/convrnn/models.js';
import { modelSpecSchema } from '../../src/convrnn/spec.js';
import { ConfigError } from '../../src/errors.js';

describe('released conv-RNN models', () => {
  it.each([
    ['rgc_shallow', 23_956_840, 3], ['lstm_shallow', 21_126_248, 3], ['simplernn_shallow', 6_272_872, 3], ['rgc_intermediate', 15_445_800, 4],
  ])('%s has the originals\' trainable parameter count', (name, trainable, frozen) => {
    expect(countParameters(presetModel(name))).toEqual({ trainable, frozen });
  });

  it('rgc_intermediate: harbors, feedback order and TF names', () => {
    const p = planModel(presetModel('rgc_intermediate'));
    // conv6 reads conv5 (ff, first) then conv7 and conv9 (sorted); all resized to conv5's 28×28.
    expect(p.get('conv6')!.inputs).toEqual(['conv5', 'conv7', 'conv9']);
    expect(p.get('conv6')!.harbor).toEqual([128 + 256 + 512, 28, 28]);
    // conv7 gets conv10 as feedback: 'conv10' sorts before 'conv6' but ff still comes first.
    expect(p.get('conv7')!.inputs).toEqual(['conv6', 'conv10']);
    expect(p.get('imnetds')!.out).toEqual([1000, 1, 1]);
    const conv5 = p.get('conv5')!.decls;
    expect(conv5.find((d) => d.name === 'cell.cell.tau.depthwise.weight')!.shape).toEqual([64, 1, 7, 7]);
    const fb = conv5.find((d) => d.name === 'cell.out.feedback.weight')!;
    expect(fb.tf).toBe('conv5/ReciprocalGateCell/out/feedback_to_out_weights');
    expect(fb.shape).toEqual([128, 256, 1, 1]);
  });

  it('separable kernels larger than the map are clamped to it (the variable has the clamped shape)', () => {
    const conv4 = planModel(presetModel('median_small_fb')).get('conv4')!;
    expect(conv4.cellDims).toMatchObject({ h: 4, w: 4 });
    expect(conv4.decls.find((d) => d.name === 'cell.out.tau.depthwise.weight')!.shape).toEqual([64, 1, 4, 4]);
    // The median cell's direct 3×3 input_to_out is not clamped.
    expect(conv4.decls.find((d) => d.name === 'cell.out.input_to_out.weight')!.shape).toEqual([64, 64, 3, 3]);
  });

  it('maps every rgc_shallow tensor to the authors\' TF variable name', () => {
    const m = tfNameMap(presetModel('rgc_shallow'));
    expect(m.get('conv3.cell.cell.tau.weight')).toBe('conv3/ReciprocalGateCell/cell/tau/weights');
    expect(m.get('conv3.cell.out.residual_to_out_gate.weight')).toBe('conv3/ReciprocalGateCell/out/residual_to_out_gate/weights');
    expect(m.get('conv1.pre.weight')).toBe('conv1/weights_basenet');
    expect(m.get('conv1.memory_decay')).toBe('conv1/memory_decay');
    expect(new Set(m.values()).size).toBe(m.size);
  });

  it('SAME max-pool 2×2/2 takes 7 to 4 and the shallow readout sees 4×4', () => {
    const p = planModel(presetModel('rgc_shallow'));
    expect(p.get('conv5')!.out).toEqual([512, 4, 4]);
    expect(p.get('imnetds')!.preOut).toEqual([1000, 3, 3]);
  });

  it('presets survive the JSON schema and resize their readout', () => {
    const spec = withClasses(presetModel('rgc_small_fb'), 7);
    const back = modelSpecSchema.parse(JSON.parse(JSON.stringify(spec)));
    expect(planModel(back as typeof spec).get('imnetds')!.out[0]).toBe(7);
  });

  it('bad graphs fail naming the model and the problem', () => {
    const spec = presetModel('rgc_small');
    expect(() => planModel({ ...spec, edges: [...spec.edges, ['conv9', 'conv3']] })).toThrow(ConfigError);
    expect(() => planModel({ ...spec, edges: [...spec.edges, ['conv9', 'conv3']] })).toThrow(/rgc_small: edge conv9 → conv3/);
    expect(() => presetModel('nope')).toThrow(/unknown conv-RNN model 'nope'/);
  });
});
