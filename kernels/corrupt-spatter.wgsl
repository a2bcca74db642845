// Spatter (imagecorruptions' extra corruption). The liquid layer L = gaussian(N(μ, s), σ) comes from
// corrupt-noise + corrupt-blur; these passes turn it into water drops (mode 0) or mud (mode 1). Planes [N, H, W].
//
//   corrupt_spatter_threshold:  mode 0: y = L < t ? 0 : min(⌊255·L⌋, 255) (L8); mode 1: y = L > t ? 1 : 0 (mud).
//   corrupt_spatter_sobel:      cv2.Canny step 1 on L8: 3×3 Sobel (edge-replicated), m = |gx| + |gy|;
//                               y = 4·m + direction (0 horizontal, 1 vertical, 2/3 diagonals by sign of gx·gy),
//                               from OpenCV's integer tan 22.5°/67.5° tests.
//   corrupt_spatter_nms:        step 2: non-maximum suppression as OpenCV (strict > on one side, ≥ on the other;
//                               outside the image m = 0): y = 0 none, 1 weak (m > 50), 2 strong (m > 150).
//   corrupt_spatter_hysteresis: step 3, one thread per image: flood fill from strong pixels over weak ones
//                               (8-connected) with an explicit stack; then y = 0 on edges, 10⁷ elsewhere — the
//                               seed of the distance transform (distances in 1/65536 pixel, OpenCV's fixed point).
//   corrupt_spatter_distance:   one relaxation step of cv2.distanceTransform(DIST_L2, 5): y = min(x, x(q) + w(q))
//                               over the 5×5 chamfer mask (1, 1.4, 2.1969 in 1/65536). 20 steps give every
//                               distance ≤ 20 exactly (each step adds ≥ 1) and the rest ≥ 20, all the caller needs.
//   corrupt_spatter_box3:       cv2.blur 3×3 (reflect-101); mode 0: of min(x/65536, 20), then ⌊·⌋ (astype uint8);
//                               mode 1: of 8-bit x, rounded.
//   corrupt_spatter_equalize:   cv2.equalizeHist per image (one workgroup per image, 256 bins).
//   corrupt_spatter_emboss:     cv2.filter2D(CV_8U) with [[-2,-1,0],[-1,1,1],[0,1,2]], reflect-101, rounded, clamped.
//   corrupt_spatter_water:      m = k·a/max_n(a) (a = L8·dist, b = max_n); colour images y = clip(x + m·(175, 238,
//                               238)/255), gray y = clip(x + luma(clip(m·colour))).
//   corrupt_spatter_mud:        m = a < 0.8 ? 0 : a (a the blurred mask); y = clip(x·(1 − m) + m·(63, 42, 20)/255),
//                               gray images use the colour's luma (0.2989, 0.587, 0.114).
//
// Bindings: x, a, b (read), y (read_write), cls (read_write: classes), stack (read_write: u32 per pixel), params.
// Grid: (ceil(W / TILE), ceil(H / TILE), N) per pixel; hysteresis (ceil(N / 64)); equalize (N). Overrides: TILE.
//! import "lib/corrupt.wgsl"

struct SpatterParams { w: u32, h: u32, c: u32, mode: u32, n: u32, t: f32, k: f32, _pad: u32 }

override TILE: u32 = 8;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> cls: array<f32>;
@group(0) @binding(5) var<storage, read_write> stack: array<u32>;
@group(0) @binding(6) var<uniform> params: SpatterParams;

const FAR: f32 = 1e7;
const LUMA = vec3<f32>(0.2989, 0.587, 0.114);

fn px(n: u32, r: i32, c: i32, mode: u32) -> f32 {
  let h = i32(params.h);
  let w = i32(params.w);
  return x[(n * params.h + u32(fold(r, h, mode))) * params.w + u32(fold(c, w, mode))];
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_spatter_threshold(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.w || g.y >= params.h) { return; }
  let i = (g.z * params.h + g.y) * params.w + g.x;
  let v = x[i];
  if (params.mode == 0u) { y[i] = select(min(floor(255.0 * v), 255.0), 0.0, v < params.t); }
  else { y[i] = select(0.0, 1.0, v > params.t); }
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_spatter_sobel(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.w || g.y >= params.h) { return; }
  let r = i32(g.y);
  let c = i32(g.x);
  let n = g.z;
  let gx = px(n, r - 1, c + 1, 0u) + 2.0 * px(n, r, c + 1, 0u) + px(n, r + 1, c + 1, 0u)
    - px(n, r - 1, c - 1, 0u) - 2.0 * px(n, r, c - 1, 0u) - px(n, r + 1, c - 1, 0u);
  let gy = px(n, r + 1, c - 1, 0u) + 2.0 * px(n, r + 1, c, 0u) + px(n, r + 1, c + 1, 0u)
    - px(n, r - 1, c - 1, 0u) - 2.0 * px(n, r - 1, c, 0u) - px(n, r - 1, c + 1, 0u);
  let ax = u32(abs(gx));
  let ay = u32(abs(gy)) << 15u;
  let tg22x = ax * 13573u;
  var dir = 0u;
  if (ay >= tg22x) {
    dir = select(select(3u, 2u, (gx < 0.0) != (gy < 0.0)), 1u, ay > tg22x + (ax << 16u));
  }
  y[(n * params.h + g.y) * params.w + g.x] = 4.0 * (abs(gx) + abs(gy)) + f32(dir);
}

fn mag(n: u32, r: i32, c: i32) -> f32 {
  if (r < 0 || c < 0 || r >= i32(params.h) || c >= i32(params.w)) { return 0.0; }
  return floor(x[(n * params.h + u32(r)) * params.w + u32(c)] / 4.0);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_spatter_nms(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.w || g.y >= params.h) { return; }
  let i = (g.z * params.h + g.y) * params.w + g.x;
  let code = x[i];
  let m = floor(code / 4.0);
  let dir = u32(code - 4.0 * m);
  let r = i32(g.y);
  let c = i32(g.x);
  var keep = false;
  if (m > 50.0) {
    switch dir {
      case 0u: { keep = m > mag(g.z, r, c - 1) && m >= mag(g.z, r, c + 1); }
      case 1u: { keep = m > mag(g.z, r - 1, c) && m >= mag(g.z, r + 1, c); }
      default: {
        let s = select(1, -1, dir == 2u);
        keep = m > mag(g.z, r - 1, c - s) && m > mag(g.z, r + 1, c + s);
      }
    }
  }
  y[i] = select(0.0, select(1.0, 2.0, m > 150.0), keep);
}

@compute @workgroup_size(64)
fn corrupt_spatter_hysteresis(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.n) { return; }
  let hw = p.w * p.h;
  let base = g.x * hw;
  var top = base;
  for (var i = base; i < base + hw; i++) {
    if (cls[i] == 2.0) {
      cls[i] = 3.0;
      stack[top] = i;
      top++;
    }
    while (top > base) {
      top--;
      let q = stack[top] - base;
      let r = i32(q / p.w);
      let c = i32(q % p.w);
      for (var dr = -1; dr <= 1; dr++) {
        for (var dc = -1; dc <= 1; dc++) {
          let rr = r + dr;
          let cc = c + dc;
          if (rr < 0 || cc < 0 || rr >= i32(p.h) || cc >= i32(p.w)) { continue; }
          let j = base + u32(rr) * p.w + u32(cc);
          if (cls[j] == 1.0) {
            cls[j] = 3.0;
            stack[top] = j;
            top++;
          }
        }
      }
    }
  }
  for (var i = base; i < base + hw; i++) { y[i] = select(FAR, 0.0, cls[i] == 3.0); }
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_spatter_distance(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.w || g.y >= params.h) { return; }
  let r = i32(g.y);
  let c = i32(g.x);
  let i = (g.z * params.h + g.y) * params.w + g.x;
  var d = x[i];
  for (var dr = -2; dr <= 2; dr++) {
    for (var dc = -2; dc <= 2; dc++) {
      let ar = abs(dr);
      let ac = abs(dc);
      if (ar + ac == 0 || (ar == 2 && ac != 1) || (ac == 2 && ar != 1)) { continue; }
      let rr = r + dr;
      let cc = c + dc;
      if (rr < 0 || cc < 0 || rr >= i32(params.h) || cc >= i32(params.w)) { continue; }
      var step = 65536.0;
      if (ar + ac == 2) { step = 91750.0; }
      if (ar + ac == 3) { step = 143978.0; }
      d = min(d, x[(g.z * params.h + u32(rr)) * params.w + u32(cc)] + step);
    }
  }
  y[i] = d;
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_spatter_box3(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.w || g.y >= params.h) { return; }
  var acc = 0.0;
  for (var dr = -1; dr <= 1; dr++) {
    for (var dc = -1; dc <= 1; dc++) {
      let v = px(g.z, i32(g.y) + dr, i32(g.x) + dc, 2u);
      acc += select(v, min(v * (1.0 / 65536.0), 20.0), params.mode == 0u);
    }
  }
  let mean = acc * (1.0 / 9.0);
  y[(g.z * params.h + g.y) * params.w + g.x] = select(round(mean), floor(mean), params.mode == 0u);
}

var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> lut: array<f32, 256>;

@compute @workgroup_size(256)
fn corrupt_spatter_equalize(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let hw = params.w * params.h;
  let base = wg.x * hw;
  atomicStore(&hist[t], 0u);
  workgroupBarrier();
  for (var i = t; i < hw; i += 256u) { atomicAdd(&hist[u32(x[base + i])], 1u); }
  workgroupBarrier();
  if (t == 0u) {
    var lo = 0u;
    while (atomicLoad(&hist[lo]) == 0u) { lo++; }
    let first = atomicLoad(&hist[lo]);
    // One grey level only: OpenCV sets every pixel to it.
    let scale = select(255.0 / f32(hw - first), 0.0, first == hw);
    var sum = 0u;
    for (var v = 0u; v < 256u; v++) {
      if (v > lo) { sum += atomicLoad(&hist[v]); }
      lut[v] = select(clamp(round(f32(sum) * scale), 0.0, 255.0), f32(lo), first == hw);
    }
  }
  workgroupBarrier();
  for (var i = t; i < hw; i += 256u) { y[base + i] = lut[u32(x[base + i])]; }
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_spatter_emboss(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.w || g.y >= params.h) { return; }
  let r = i32(g.y);
  let c = i32(g.x);
  let n = g.z;
  let v = -2.0 * px(n, r - 1, c - 1, 2u) - px(n, r - 1, c, 2u) - px(n, r, c - 1, 2u) + px(n, r, c, 2u)
    + px(n, r, c + 1, 2u) + px(n, r + 1, c, 2u) + 2.0 * px(n, r + 1, c + 1, 2u);
  y[(n * params.h + g.y) * params.w + g.x] = clamp(round(v), 0.0, 255.0);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_spatter_water(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let k = g.z * hw + g.y * p.w + g.x;
  let top = b[g.z];
  let m = select(p.k * a[k] / top, 0.0, top == 0.0);
  let add = m * vec3<f32>(175.0, 238.0, 238.0) / 255.0;
  let out = g.z * p.c * hw + g.y * p.w + g.x;
  if (p.c == 1u) {
    y[out] = clamp(x[out] + dot(clamp(add, vec3<f32>(0.0), vec3<f32>(1.0)), LUMA), 0.0, 1.0);
    return;
  }
  for (var ch = 0u; ch < 3u; ch++) { y[out + ch * hw] = clamp(x[out + ch * hw] + add[ch], 0.0, 1.0); }
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_spatter_mud(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let k = g.z * hw + g.y * p.w + g.x;
  let m = select(a[k], 0.0, a[k] < 0.8);
  let mud = m * vec3<f32>(63.0, 42.0, 20.0) / 255.0;
  let out = g.z * p.c * hw + g.y * p.w + g.x;
  if (p.c == 1u) {
    y[out] = clamp(x[out] * (1.0 - m) + dot(mud, LUMA), 0.0, 1.0);
    return;
  }
  for (var ch = 0u; ch < 3u; ch++) { y[out + ch * hw] = clamp(x[out + ch * hw] * (1.0 - m) + mud[ch], 0.0, 1.0); }
}
