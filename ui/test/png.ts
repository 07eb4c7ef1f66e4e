// A reader for the test's reference images: 8-bit RGBA PNGs, not interlaced (what rsvg-convert
// writes). Returns each pixel's alpha, row by row.

import { readFileSync } from "node:fs";
import { inflateSync } from "node:zlib";

export interface Alpha {
  width: number;
  height: number;
  /** alpha(x, y) in 0..1 */
  at(x: number, y: number): number;
}

export function readAlpha(path: string): Alpha {
  const file = readFileSync(path);
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (pos < file.length) {
    const len = file.readUInt32BE(pos);
    const type = file.toString("latin1", pos + 4, pos + 8);
    const data = file.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0) throw new Error(`${path}: not 8-bit RGBA, not interlaced`);
    } else if (type === "IDAT") idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= 4 ? (px[y * stride + i - 4] ?? 0) : 0;
      const b = y > 0 ? (px[(y - 1) * stride + i] ?? 0) : 0;
      const c = i >= 4 && y > 0 ? (px[(y - 1) * stride + i - 4] ?? 0) : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + i] = ((line[i] ?? 0) + pred) & 0xff;
    }
  }
  return { width, height, at: (x, y) => (px[y * stride + x * 4 + 3] ?? 0) / 255 };
}
