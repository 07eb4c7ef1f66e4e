// The icons and the NHS logo are drawn as outlines traced from their SVG drawings
// (build/clip-paths.mjs). Each outline must cover what the drawing covers: checked pixel by pixel
// against the drawing as librsvg renders it (test/masks/*.png, by build/masks.sh), so a wrong
// turn, a cap on the wrong side or a lost hole shows here, not only in a screenshot.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a build script in plain JavaScript
import { clipPolygon, drawingContours, flattenPath, joinContours } from "../build/clip-paths.mjs";
import { ICON_NAMES } from "../src/icons";
import { readAlpha } from "./png";

const root = join(__dirname, "..");
const drawings = [...ICON_NAMES.map((n) => `icon-${n}`), "nhs-logo"];

type Point = [number, number];

/** Non-zero winding number of a closed outline round (x, y), as CSS fills a polygon. */
function winding(points: Point[], x: number, y: number): number {
  let w = 0;
  for (let i = 0; i < points.length; i++) {
    const [x0, y0] = points[i] as Point;
    const [x1, y1] = points[(i + 1) % points.length] as Point;
    const side = (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0);
    if (y0 <= y && y1 > y && side > 0) w++;
    else if (y0 > y && y1 <= y && side < 0) w--;
  }
  return w;
}

/** The points of a CSS polygon(), in percentages. */
function polygonPoints(css: string): Point[] {
  const body = /^polygon\((.*)\)$/.exec(css)?.[1] ?? "";
  return body.split(",").map((pair) => {
    const [x = NaN, y = NaN] = pair.trim().split(" ").map((v) => Number(v.replace(/%$/, "")));
    return [x, y];
  });
}

describe("icon and logo outlines", () => {
  it("every icon the UI names has its drawing, and every drawing its reference image", () => {
    for (const name of drawings) {
      expect(existsSync(join(root, "images/src", `${name}.svg`)), name).toBe(true);
      expect(existsSync(join(root, "test/masks", `${name}.png`)), name).toBe(true);
    }
    const sources = readdirSync(join(root, "images/src")).map((f) => f.replace(/\.svg$/, ""));
    expect(sources.sort()).toEqual([...drawings].sort());
  });

  it.each(drawings)("%s: the outline covers what the drawing covers, pixel by pixel", (name) => {
    const svg = readFileSync(join(root, "images/src", `${name}.svg`), "utf8");
    const { contours, width, height } = drawingContours(svg);
    const outline = joinContours(contours) as Point[];
    const mask = readAlpha(join(root, "test/masks", `${name}.png`));
    const scale = width / mask.width;
    expect(height / mask.height).toBeCloseTo(scale, 6);
    let inked = 0;
    let blank = 0;
    const wrong: string[] = [];
    for (let y = 0; y < mask.height; y++) {
      for (let x = 0; x < mask.width; x++) {
        const a = mask.at(x, y);
        const inside = winding(outline, (x + 0.5) * scale, (y + 0.5) * scale) !== 0;
        // Pixels the drawing's edge crosses (partly covered) are left out: the outline is a
        // polygon, within a hundredth of the drawing's width of its curves.
        if (a >= 0.95) {
          inked++;
          if (!inside) wrong.push(`(${x},${y}) should be drawn`);
        } else if (a <= 0.05) {
          blank++;
          if (inside) wrong.push(`(${x},${y}) should be empty`);
        }
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(inked).toBeGreaterThan(500);
    expect(blank).toBeGreaterThan(500);
  });

  it.each(drawings)("%s: the CSS polygon is the outline, in percentages of the element's box", (name) => {
    const svg = readFileSync(join(root, "images/src", `${name}.svg`), "utf8");
    const { contours, width, height } = drawingContours(svg);
    const outline = joinContours(contours) as Point[];
    const css = clipPolygon(svg) as string;
    expect(css).not.toMatch(/url\(|evenodd/);
    const points = polygonPoints(css);
    expect(points).toHaveLength(outline.length);
    points.forEach(([x, y], i) => {
      const [ox, oy] = outline[i] as Point;
      expect(x).toBeCloseTo((ox / width) * 100, 1);
      expect(y).toBeCloseTo((oy / height) * 100, 1);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(100);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(100);
    });
  });

  it("path data: relative and absolute commands, curves and arcs end where SVG says", () => {
    const [sub] = flattenPath("M10 10h5v5H20V30l-5 0L5 30c0-5 0-5 5-10s5 0 0 5a5 5 0 0 1 10 0Z");
    const last = (sub.points as Point[]).at(-1);
    expect(sub.closed).toBe(true);
    expect(last?.[0]).toBeCloseTo(20, 6);
    expect(last?.[1]).toBeCloseTo(25, 6);
    // The arc from (10, 25) to (20, 25), radius 5, sweep flag 1: a half circle above the chord.
    const arc = (sub.points as Point[]).slice(-13);
    expect(Math.min(...arc.map((p) => p[1]))).toBeCloseTo(20, 1);
    for (const [x, y] of arc) expect(Math.hypot(x - 15, y - 25)).toBeCloseTo(5, 6);
  });

  it("a filled path over a ring adds to it whichever way round its data runs", () => {
    for (const d of ["M20 0h8v8h-8Z", "M20 0v8h8v-8Z"]) {
      const svg = `<svg viewBox="0 0 48 48"><circle cx="24" cy="24" r="21" fill="none" stroke="#000" stroke-linecap="round" stroke-linejoin="round" stroke-width="3"/><path fill="#000" d="${d}"/></svg>`;
      const outline = joinContours(drawingContours(svg).contours) as Point[];
      expect(winding(outline, 24, 3), d).not.toBe(0); // the ring under the square
      expect(winding(outline, 24, 6.5), d).not.toBe(0); // the square over the ring's hole
      expect(winding(outline, 24, 10), d).toBe(0); // the ring's hole
      expect(winding(outline, 10, 10), d).not.toBe(0); // the ring
    }
  });

  it("refuses what the drawings do not use, rather than drawing it wrongly", () => {
    expect(() => flattenPath("M0 0Q5 5 10 0")).toThrow(/do not use/);
    expect(() => flattenPath("M0 0A5 3 0 0 1 10 0")).toThrow(/circular/);
    expect(() => drawingContours('<svg viewBox="0 0 4 4"><path d="M0 0 4 4" stroke="#000" fill="none"/></svg>')).toThrow(/round/);
  });
});
