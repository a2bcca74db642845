// 2-D max and average pooling over [N, C, H, W] → [N, C, Ho, Wo], windowed (kernel k, stride s, padding p)
// or adaptive (torch: window i spans [⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉)).
//
//   Window of output row oh (columns alike):
//     windowed: [oh·s − p, min(oh·s − p + k, H + p))   adaptive: [⌊oh·H/Ho⌋, ⌈(oh+1)·H/Ho⌉)
//   Only its part inside [0, H) is read.
//   pool2d_max_forward:  y = max over the window; argmax = ih·W + iw of the first maximum in scan order (torch).
//   pool2d_max_backward: dx[ih, iw] = Σ dy[o] over the outputs o whose window covers (ih, iw) and argmax[o] = ih·W + iw
//   pool2d_avg_forward:  y = Σ window / d, d = the window's area including padding (count_include_pad = 1,
//                        windowed only) or its area inside the input.
//   pool2d_avg_backward: dx[ih, iw] = Σ dy[o] / d(o) over the outputs o whose window covers (ih, iw)
//
// Backward passes gather: a thread per input element visits the few outputs whose windows cover it (a range
// per axis from `covering`), so there are no scatter-adds and no float atomics.
//
// Bindings: x, dy (read); y, dx, argmax (read_write; argmax is i32, written by max forward, read by max backward).
// Grid: ceil(n / WG) workgroups folded to 2-D (see lib/index.wgsl); n = outputs (forward) or inputs (backward).
// Overrides: WG.
//! import "lib/index.wgsl"

struct Pool2dParams {
  n: u32, h: u32, w: u32, ho: u32,
  wo: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, adaptive: u32,
  count_include_pad: u32, _pad0: u32, _pad1: u32, _pad2: u32,
}

override WG: u32 = 256;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<storage, read_write> argmax: array<i32>;
@group(0) @binding(5) var<uniform> params: Pool2dParams;

// Window [start, end) of output index o along one axis; may reach into the padding.
fn window(o: u32, size: u32, out: u32, k: u32, s: u32, p: u32) -> vec2<i32> {
  if (params.adaptive != 0u) {
    return vec2<i32>(i32((o * size) / out), i32(((o + 1u) * size + out - 1u) / out));
  }
  let start = i32(o * s) - i32(p);
  return vec2<i32>(start, min(start + i32(k), i32(size + p)));
}

// Outputs [lo, hi) along one axis whose windows contain input index i.
fn covering(i: u32, size: u32, out: u32, k: u32, s: u32, p: u32) -> vec2<u32> {
  if (params.adaptive != 0u) {
    return vec2<u32>((i * out) / size, min(out, ((i + 1u) * out + size - 1u) / size));
  }
  // o·s ≤ i + p < o·s + k. The H + p clip of `window` never excludes a real input.
  let t = i + p;
  let lo = select(0u, (t + s - k) / s, t >= k);
  return vec2<u32>(lo, min(out, t / s + 1u));
}

fn clip(r: vec2<i32>, size: u32) -> vec2<u32> {
  return vec2<u32>(u32(max(r.x, 0)), u32(clamp(r.y, 0, i32(size))));
}

fn divisor(oh: u32, ow: u32) -> f32 {
  let rh = window(oh, params.h, params.ho, params.kh, params.sh, params.ph);
  let rw = window(ow, params.w, params.wo, params.kw, params.sw, params.pw);
  if (params.count_include_pad != 0u) { return f32((rh.y - rh.x) * (rw.y - rw.x)); }
  let ch = clip(rh, params.h);
  let cw = clip(rw, params.w);
  return f32((ch.y - ch.x) * (cw.y - cw.x));
}

// (plane, row, column) of flat index i over planes of rows × cols.
fn split(i: u32, rows: u32, cols: u32) -> vec3<u32> {
  let plane = i / (rows * cols);
  let rem = i - plane * rows * cols;
  let r = rem / cols;
  return vec3<u32>(plane, r, rem - r * cols);
}

@compute @workgroup_size(WG)
fn pool2d_max_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n) { return; }
  let o = split(i, params.ho, params.wo);
  let rh = clip(window(o.y, params.h, params.ho, params.kh, params.sh, params.ph), params.h);
  let rw = clip(window(o.z, params.w, params.wo, params.kw, params.sw, params.pw), params.w);
  let base = o.x * params.h * params.w;
  var best = 0.0;
  var arg = -1;
  for (var ih = rh.x; ih < rh.y; ih++) {
    for (var iw = rw.x; iw < rw.y; iw++) {
      let at = ih * params.w + iw;
      let v = x[base + at];
      if (arg < 0 || v > best) {
        best = v;
        arg = i32(at);
      }
    }
  }
  y[i] = best;
  argmax[i] = arg;
}

@compute @workgroup_size(WG)
fn pool2d_max_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n) { return; }
  let p = split(i, params.h, params.w);
  let ch = covering(p.y, params.h, params.ho, params.kh, params.sh, params.ph);
  let cw = covering(p.z, params.w, params.wo, params.kw, params.sw, params.pw);
  let me = i32(p.y * params.w + p.z);
  let base = p.x * params.ho * params.wo;
  var acc = 0.0;
  for (var oh = ch.x; oh < ch.y; oh++) {
    for (var ow = cw.x; ow < cw.y; ow++) {
      let o = base + oh * params.wo + ow;
      if (argmax[o] == me) { acc += dy[o]; }
    }
  }
  dx[i] = acc;
}

@compute @workgroup_size(WG)
fn pool2d_avg_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n) { return; }
  let o = split(i, params.ho, params.wo);
  let rh = clip(window(o.y, params.h, params.ho, params.kh, params.sh, params.ph), params.h);
  let rw = clip(window(o.z, params.w, params.wo, params.kw, params.sw, params.pw), params.w);
  let base = o.x * params.h * params.w;
  var acc = 0.0;
  for (var ih = rh.x; ih < rh.y; ih++) {
    for (var iw = rw.x; iw < rw.y; iw++) {
      acc += x[base + ih * params.w + iw];
    }
  }
  y[i] = acc / divisor(o.y, o.z);
}

@compute @workgroup_size(WG)
fn pool2d_avg_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n) { return; }
  let p = split(i, params.h, params.w);
  let ch = covering(p.y, params.h, params.ho, params.kh, params.sh, params.ph);
  let cw = covering(p.z, params.w, params.wo, params.kw, params.sw, params.pw);
  let base = p.x * params.ho * params.wo;
  var acc = 0.0;
  for (var oh = ch.x; oh < ch.y; oh++) {
    for (var ow = cw.x; ow < cw.y; ow++) {
      acc += dy[base + oh * params.wo + ow] / divisor(oh, ow);
    }
  }
  dx[i] = acc;
}
