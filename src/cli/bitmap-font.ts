/**
 * A 5×7 bitmap font (upper-case letters, digits, a little punctuation) for labelling PNG figures without a font
 * rasteriser: each glyph is seven rows of five bits, drawn in a 6-pixel advance, scaled by an integer.
 */
const GLYPHS: Readonly<Record<string, string>> = {
  A: '01110 10001 10001 11111 10001 10001 10001', B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110', D: '11110 10001 10001 10001 10001 10001 11110',
  E: '11111 10000 10000 11110 10000 10000 11111', F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111', H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110', J: '00111 00010 00010 00010 00010 10010 01100',
  K: '10001 10010 10100 11000 10100 10010 10001', L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001', N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110', P: '11110 10001 10001 11110 10000 10000 10000',
  Q: '01110 10001 10001 10001 10101 10010 01101', R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110', T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110', V: '10001 10001 10001 10001 10001 01010 00100',
  W: '10001 10001 10001 10101 10101 10101 01010', X: '10001 10001 01010 00100 01010 10001 10001',
  Y: '10001 10001 01010 00100 00100 00100 00100', Z: '11111 00001 00010 00100 01000 10000 11111',
  0: '01110 10001 10011 10101 11001 10001 01110', 1: '00100 01100 00100 00100 00100 00100 01110',
  2: '01110 10001 00001 00010 00100 01000 11111', 3: '11111 00010 00100 00010 00001 10001 01110',
  4: '00010 00110 01010 10010 11111 00010 00010', 5: '11111 10000 11110 00001 00001 10001 01110',
  6: '00110 01000 10000 11110 10001 10001 01110', 7: '11111 00001 00010 00100 01000 01000 01000',
  8: '01110 10001 10001 01110 10001 10001 01110', 9: '01110 10001 10001 01111 00001 00010 01100',
  _: '00000 00000 00000 00000 00000 00000 11111', '-': '00000 00000 00000 11111 00000 00000 00000',
  '.': '00000 00000 00000 00000 00000 01100 01100', '=': '00000 00000 11111 00000 11111 00000 00000',
  ' ': '00000 00000 00000 00000 00000 00000 00000',
};

/** Glyph height and advance in font pixels. */
export const GLYPH_H = 7;
export const GLYPH_ADVANCE = 6;

/** Width in pixels of `text` at integer `scale` (no trailing gap). */
export function textWidth(text: string, scale = 1): number {
  return text.length ? (GLYPH_ADVANCE * text.length - 1) * scale : 0;
}

/** An RGB canvas in CHW layout, values in [0, 1]. */
export interface Canvas { data: Float32Array; width: number; height: number }

/** Draws `text` (upper-cased) with its top-left corner at (x, y); unknown characters draw as blanks. */
export function drawText(canvas: Canvas, x: number, y: number, text: string, scale = 1, rgb: readonly number[] = [0, 0, 0]): void {
  const { data, width, height } = canvas;
  [...text.toUpperCase()].forEach((ch, k) => {
    const rows = (GLYPHS[ch] ?? GLYPHS[' ']).split(' ');
    for (let r = 0; r < GLYPH_H; r++) {
      for (let c = 0; c < 5; c++) {
        if (rows[r][c] !== '1') continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = x + (k * GLYPH_ADVANCE + c) * scale + dx;
            const py = y + r * scale + dy;
            if (px < 0 || py < 0 || px >= width || py >= height) continue;
            for (let ch3 = 0; ch3 < 3; ch3++) data[ch3 * width * height + py * width + px] = rgb[ch3];
          }
        }
      }
    }
  });
}
