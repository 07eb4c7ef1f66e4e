// The icons and the NHS logo as CSS outlines: each drawing of images/src/*.svg becomes one
// `clip-path: polygon(...)` that cuts an element filled with the text colour to the drawing's
// shape (styles/app.css, `[data-icon]` and `.vm-logo__mark`). No image at all on the desk's
// screens: WebKit's SVG engine cost the web process 1.7 MB for two small drawings, and decoding
// them as PNG masks 0.45 MB (README, Performance); a polygon is geometry WebKit already has.
//
// The drawings use a small part of SVG, and anything else is refused: `<circle>` stroked (a
// ring) or filled (a disc), `<path>` stroked (lines with round caps and joins) or filled
// (M, L, H, V, C, S, A and Z, absolute or relative). A polygon is one closed outline, so each
// shape is traced as its own closed contours, joined by bridges walked there and back (zero
// width), and filled by the non-zero rule as SVG fills them: every contour of a filled area runs
// anticlockwise (its holes, clockwise), so overlapping strokes add up rather than cancel.
// Coordinates are percentages of the element's box, so an icon is drawn at any size.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const CURVE_STEPS = 12; // segments per cubic Bézier
const ARC_STEP = Math.PI / 24; // at most 7.5° per segment of a circle or an arc

/** Signed area of a closed contour (> 0: anticlockwise on the screen, whose y axis points down). */
export function signedArea(points) {
  let a = 0;
  for (let i = 0; i < points.length; i++) {
    const [x0, y0] = points[i];
    const [x1, y1] = points[(i + 1) % points.length];
    a += x1 * y0 - x0 * y1;
  }
  return a / 2;
}

/** The contour running the asked way round: +1 anticlockwise (filled), -1 clockwise (a hole). */
function oriented(points, sign) {
  return Math.sign(signedArea(points)) === sign ? points : [...points].reverse();
}

/** Points from angle a0 to a0 + sweep on a circle (both ends included). */
function arc([cx, cy], r, a0, sweep) {
  const n = Math.max(1, Math.ceil(Math.abs(sweep) / ARC_STEP));
  const pts = [];
  for (let i = 0; i <= n; i++) {
    const a = a0 + (sweep * i) / n;
    pts.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  return pts;
}

function circle(c, r) {
  return arc(c, r, 0, 2 * Math.PI).slice(0, -1);
}

const sub = (a, b) => [a[0] - b[0], a[1] - b[1]];
const angle = (v) => Math.atan2(v[1], v[0]);
const cross = (a, b) => a[0] * b[1] - a[1] * b[0];

/** The turn from direction a to direction b, in (-π, π]. */
function turn(a, b) {
  let d = angle(b) - angle(a);
  while (d <= -Math.PI) d += 2 * Math.PI;
  while (d > Math.PI) d -= 2 * Math.PI;
  return d;
}

/**
 * One side of a stroked polyline, offset by `h` (> 0: left of the direction of travel, on the
 * screen's axes; < 0: right): round joins where the side is the outer one, the two offset
 * lines' crossing where it is the inner one. `closed`: the polyline is a closed loop.
 */
function offsetSide(pts, h, closed) {
  const n = pts.length;
  const dirs = [];
  for (let i = 0; i < (closed ? n : n - 1); i++) {
    const d = sub(pts[(i + 1) % n], pts[i]);
    const len = Math.hypot(d[0], d[1]);
    dirs.push([d[0] / len, d[1] / len]);
  }
  const normal = (d) => [d[1] * h, -d[0] * h]; // (dy, -dx) points left on the screen
  const out = [];
  for (let i = 0; i < n; i++) {
    const p = pts[i];
    const before = closed ? dirs[(i - 1 + n) % n] : dirs[i - 1];
    const after = dirs[i];
    if (!before || !after) {
      const nv = normal(before ?? after);
      out.push([p[0] + nv[0], p[1] + nv[1]]);
      continue;
    }
    const n0 = normal(before);
    const n1 = normal(after);
    // A turn towards this side makes it the inner one.
    if (cross(before, after) * h < 0) {
      const dot = (n0[0] * n1[0] + n0[1] * n1[1]) / (h * h);
      out.push([p[0] + (n0[0] + n1[0]) / (1 + dot), p[1] + (n0[1] + n1[1]) / (1 + dot)]);
    } else {
      out.push(...arc(p, Math.abs(h), angle(n0), turn(n0, n1)));
    }
  }
  return out;
}

/** The outline of an open polyline stroked `width` wide with round caps and joins. */
function strokeOpen(pts, width) {
  const h = width / 2;
  const left = offsetSide(pts, h, false);
  const right = offsetSide(pts, -h, false).reverse();
  const end = pts[pts.length - 1];
  const start = pts[0];
  // Each cap turns from one side to the other round the line's end (angles grow clockwise on the screen).
  const endCap = arc(end, h, angle(sub(left[left.length - 1], end)), Math.PI).slice(1, -1);
  const startCap = arc(start, h, angle(sub(right[right.length - 1], start)), Math.PI).slice(1, -1);
  return oriented([...left, ...endCap, ...right, ...startCap], 1);
}

/** A closed polyline stroked `width` wide, round joins: its outer contour and its hole. */
function strokeClosed(pts, width) {
  const h = width / 2;
  const a = offsetSide(pts, h, true);
  const b = offsetSide(pts, -h, true);
  const [outer, inner] = Math.abs(signedArea(a)) > Math.abs(signedArea(b)) ? [a, b] : [b, a];
  return [oriented(outer, 1), oriented(inner, -1)];
}

/** The subpaths of SVG path data, flattened to points; each subpath: { points, closed }. */
export function flattenPath(d) {
  const tokens = d.match(/[MmLlHhVvCcSsAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g) ?? [];
  const rest = d.replace(/[MmLlHhVvCcSsAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[\s,]/g, "");
  if (rest) throw new Error(`path data has what the UI's drawings do not use: ${rest}`);
  const subpaths = [];
  let cur = [0, 0];
  let start = [0, 0];
  let points = null;
  let lastControl = null;
  let cmd = null;
  let i = 0;
  const num = () => {
    const t = tokens[i++];
    if (t === undefined || /[A-Za-z]/.test(t)) throw new Error(`path data: a number is missing after ${cmd}`);
    return Number(t);
  };
  const finish = (closed) => {
    if (points && points.length > 1) subpaths.push({ points, closed });
    points = null;
  };
  while (i < tokens.length) {
    if (/[A-Za-z]/.test(tokens[i])) cmd = tokens[i++];
    else if (cmd === null) throw new Error("path data starts with a number");
    const rel = cmd === cmd.toLowerCase();
    const base = rel ? cur : [0, 0];
    let control = null;
    switch (cmd.toUpperCase()) {
      case "M": {
        finish(false);
        cur = [base[0] + num(), base[1] + num()];
        start = cur;
        points = [cur];
        cmd = rel ? "l" : "L"; // further pairs are lines
        break;
      }
      case "L":
        cur = [base[0] + num(), base[1] + num()];
        points.push(cur);
        break;
      case "H":
        cur = [(rel ? cur[0] : 0) + num(), cur[1]];
        points.push(cur);
        break;
      case "V":
        cur = [cur[0], (rel ? cur[1] : 0) + num()];
        points.push(cur);
        break;
      case "C":
      case "S": {
        const c1 =
          cmd.toUpperCase() === "C"
            ? [base[0] + num(), base[1] + num()]
            : lastControl
              ? [2 * cur[0] - lastControl[0], 2 * cur[1] - lastControl[1]]
              : cur;
        const c2 = [base[0] + num(), base[1] + num()];
        const p = [base[0] + num(), base[1] + num()];
        for (let s = 1; s <= CURVE_STEPS; s++) {
          const t = s / CURVE_STEPS;
          const u = 1 - t;
          points.push([
            u * u * u * cur[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t * t * t * p[0],
            u * u * u * cur[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t * t * t * p[1],
          ]);
        }
        control = c2;
        cur = p;
        break;
      }
      case "A": {
        const rx = Math.abs(num());
        const ry = Math.abs(num());
        const rotation = num();
        const large = num() !== 0;
        const sweep = num() !== 0;
        const p = [base[0] + num(), base[1] + num()];
        if (rx !== ry || rotation !== 0) throw new Error("path data: only circular arcs are drawn");
        points.push(...circularArc(cur, p, rx, large, sweep).slice(1));
        cur = p;
        break;
      }
      case "Z":
        finish(true);
        cur = start;
        break;
      default:
        throw new Error(`path data: command ${cmd}`);
    }
    lastControl = control;
  }
  finish(false);
  return subpaths;
}

/** SVG's circular arc from p0 to p1 (radius r, its flags), as points (both ends included). */
function circularArc(p0, p1, r, large, sweep) {
  const mid = [(p0[0] - p1[0]) / 2, (p0[1] - p1[1]) / 2];
  const half = Math.hypot(mid[0], mid[1]);
  const radius = Math.max(r, half); // SVG scales a radius too small up
  // The centre: the chord's midpoint moved along the chord's normal, to the side the flags say
  // (SVG 1.1, F.6.5, for a circle).
  const k = ((large === sweep ? -1 : 1) * Math.sqrt(Math.max(0, radius * radius - half * half))) / half;
  const centre = [(p0[0] + p1[0]) / 2 + k * mid[1], (p0[1] + p1[1]) / 2 - k * mid[0]];
  const a0 = angle(sub(p0, centre));
  let delta = angle(sub(p1, centre)) - a0;
  if (sweep && delta < 0) delta += 2 * Math.PI;
  if (!sweep && delta > 0) delta -= 2 * Math.PI;
  return arc(centre, radius, a0, delta);
}

const attr = (el, name) => new RegExp(`\\s${name}="([^"]*)"`).exec(el)?.[1];

/** An SVG drawing of the UI's (images/src/*.svg) as contours, and its view box's width and height. */
export function drawingContours(svg) {
  const view = attr(svg.match(/<svg\b[^>]*>/)?.[0] ?? "", "viewBox")?.split(/\s+/).map(Number);
  if (!view || view.length !== 4 || view[0] !== 0 || view[1] !== 0) throw new Error("drawing: a viewBox from 0 0 is needed");
  const contours = [];
  for (const [el, tag] of Array.from(svg.matchAll(/<(circle|path)\b[^>]*>/g), (m) => [m[0], m[1]])) {
    const stroke = attr(el, "stroke");
    const width = Number(attr(el, "stroke-width") ?? 1);
    const stroked = stroke !== undefined && stroke !== "none" && (attr(el, "fill") ?? "none") === "none";
    if (stroked && (attr(el, "stroke-linecap") !== "round" || attr(el, "stroke-linejoin") !== "round")) {
      throw new Error("drawing: strokes are drawn with round caps and joins only");
    }
    if (tag === "circle") {
      const c = [Number(attr(el, "cx")), Number(attr(el, "cy"))];
      const r = Number(attr(el, "r"));
      if (stroked) contours.push(oriented(circle(c, r + width / 2), 1), oriented(circle(c, r - width / 2), -1));
      else contours.push(oriented(circle(c, r), 1));
    } else {
      const subpaths = flattenPath(attr(el, "d") ?? "");
      if (stroked) {
        for (const { points, closed } of subpaths) {
          if (closed) contours.push(...strokeClosed(points, width));
          else contours.push(strokeOpen(points, width));
        }
      } else {
        // A filled path keeps its own directions (the non-zero rule makes its holes), all turned
        // together so that its first contour runs anticlockwise like every other shape.
        const flip = signedArea(subpaths[0].points) < 0;
        for (const { points } of subpaths) contours.push(flip ? [...points].reverse() : points);
      }
    }
  }
  return { contours, width: view[2], height: view[3] };
}

/** Contours joined into one outline: each reached by a bridge from the first's start and left by it. */
export function joinContours(contours) {
  const [first, ...rest] = contours;
  const out = [...first, first[0]];
  for (const c of rest) out.push(...c, c[0], first[0]);
  return out;
}

const pct = (v) => `${Number(v.toFixed(2))}%`;

/** The CSS `polygon()` for an SVG drawing, in percentages of the element's box. */
export function clipPolygon(svg) {
  const { contours, width, height } = drawingContours(svg);
  const points = joinContours(contours).map(([x, y]) => `${pct((x / width) * 100)} ${pct((y / height) * 100)}`);
  return `polygon(${points.join(",")})`;
}

/**
 * The stylesheet rules for a directory of drawings: `icon-NAME.svg` draws `[data-icon="NAME"]`
 * (icons.ts: ICON_NAMES, each with its drawing) and `nhs-logo.svg` the header's logo.
 */
export function outlineRules(dir) {
  const selector = (file) => {
    const icon = /^icon-([a-z-]+)\.svg$/.exec(file)?.[1];
    return icon ? `[data-icon="${icon}"]` : file === "nhs-logo.svg" ? ".vm-logo__mark" : null;
  };
  return readdirSync(dir)
    .filter((file) => selector(file))
    .map((file) => `${selector(file)}{clip-path:${clipPolygon(readFileSync(join(dir, file), "utf8"))}}`)
    .join("\n");
}
