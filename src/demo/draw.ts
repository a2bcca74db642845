/** Drawing host arrays into 2-D canvases: images in [0, 1] (gray or RGB planes) and maps through a colour scale. */

/** Images [C, H, W] in [0, 1] (C = 1 or 3) into a canvas of H × W pixels. */
export function drawImage(canvas: HTMLCanvasElement, data: ArrayLike<number>, c: number, h: number, w: number): void {
  const px = new ImageData(w, h);
  const n = h * w;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const v = data[(c === 3 ? k : 0) * n + i];
      px.data[4 * i + k] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
    px.data[4 * i + 3] = 255;
  }
  put(canvas, px);
}

// Stops of matplotlib's viridis at 0, .25, .5, .75, 1 (linear in between).
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

function viridis(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = VIRIDIS[i], b = VIRIDIS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + f * (b[k] - a[k]))) as [number, number, number];
}

/** A map [H, W] (starting at `offset` of `data`) on the colour scale lo…hi. */
export function drawMap(canvas: HTMLCanvasElement, data: ArrayLike<number>, offset: number, h: number, w: number, lo: number, hi: number): void {
  const px = new ImageData(w, h);
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = viridis((data[offset + i] - lo) / span);
    px.data.set([r, g, b, 255], 4 * i);
  }
  put(canvas, px);
}

function put(canvas: HTMLCanvasElement, px: ImageData): void {
  if (canvas.width !== px.width || canvas.height !== px.height) { canvas.width = px.width; canvas.height = px.height; }
  canvas.getContext('2d')!.putImageData(px, 0, 0);
}

/** Min and max of data[offset … offset + n). */
export function range(data: ArrayLike<number>, offset = 0, n = data.length - offset): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = offset; i < offset + n; i++) { const v = data[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

/** A new element with optional class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Resolves at the next animation frame: long GPU work yields here so input and painting go on. */
export const nextFrame = (): Promise<number> => new Promise((r) => requestAnimationFrame(r));
