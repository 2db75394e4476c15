// The modules of a QR code as one SVG path, computed by uqr (a small, dependency-free encoder): pure, so
// tests check it without a page; web/src/console/qr.ts draws it. Medium error correction and a 4-module
// quiet zone, as phone cameras read best.
import { encode } from 'uqr';

/** The dark modules as one path (`M x y h1 v1 h-1 z` per module, runs merged per row), with its size in modules. */
export function qrPath(text: string): { size: number; d: string } {
  const { size, data } = encode(text, { ecc: 'M', border: 4 });
  const parts: string[] = [];
  data.forEach((row, y) => {
    for (let x = 0; x < size; x++) {
      if (!row[x]) continue;
      let run = 1;
      while (x + run < size && row[x + run]) run++;
      parts.push(`M${x} ${y}h${run}v1h-${run}z`);
      x += run - 1;
    }
  });
  return { size, d: parts.join('') };
}
