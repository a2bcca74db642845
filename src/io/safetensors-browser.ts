/**
 * safetensors reading in a browser page: the same format rules as on Node (src/io/safetensors-format.ts), with the
 * file's SHA-256 checked through WebCrypto (asynchronous, so this reader is too).
 */
import { checkDigest, decodeTensors, DIGEST_KEY, digestText, parseLayout, type ReadOptions, type SafetensorsFile } from './safetensors-format.js';

export { CheckpointError } from './safetensors-format.js';

/** Parses, verifies and decodes a safetensors file held in memory; `file` names it in errors. */
export async function decodeSafetensorsAsync(buf: Uint8Array, file: string, opts: ReadOptions = {}): Promise<SafetensorsFile> {
  const layout = parseLayout(buf, file);
  if (layout.metadata[DIGEST_KEY] !== undefined) {
    const text = new TextEncoder().encode(digestText(layout.entries, layout.metadata));
    const whole = new Uint8Array(text.length + layout.data.length);
    whole.set(text);
    whole.set(layout.data, text.length);
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', whole));
    checkDigest(layout, file, [...hash].map((b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return decodeTensors(layout, file, opts);
}
