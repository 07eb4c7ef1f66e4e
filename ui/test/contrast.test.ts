// Text contrast (WCAG 2.1, AA needs 4.5:1 for normal text) in every banner colour and the
// training bar, computed from the stylesheet itself so the CSS cannot drift from the claim.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const css = readFileSync(join(__dirname, "../styles/app.css"), "utf8");

function rule(selector: string): Record<string, string> {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`(^|\\n)${escaped}\\s*\\{([^}]*)\\}`).exec(css);
  if (!m) throw new Error(`no rule ${selector}`);
  return Object.fromEntries(
    (m[2] ?? "")
      .split(";")
      .map((d) => d.split(":").map((x) => x.trim()))
      .filter((kv) => kv.length === 2 && kv[0] !== "")
      .map(([k, v]) => [k!, v!]),
  );
}

function luminance(hex: string): number {
  const h = hex.replace("#", "");
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe("contrast", () => {
  it("matches the published figures for the NHS colours", () => {
    expect(contrast("#ffffff", "#d5281b")).toBeCloseTo(5.06, 2);
    expect(contrast("#ffffff", "#007f3b")).toBeCloseTo(5.12, 2);
    expect(contrast("#212b32", "#ffeb3b")).toBeCloseTo(11.81, 2);
    expect(contrast("#212b32", "#d8dde0")).toBeCloseTo(10.53, 2);
  });

  it.each([
    [".banner--red", "#d5281b"],
    [".banner--green", "#007f3b"],
    [".banner--amber", "#ffeb3b"],
    [".banner--grey", "#d8dde0"],
    [".vm-training", "#330072"],
    [".vm-countdown", "#212b32"],
    [".vm-tag--red", "#d5281b"],
    [".vm-tag--green", "#007f3b"],
    [".vm-tag--amber", "#ffeb3b"],
    [".vm-tag--grey", "#d8dde0"],
    [".vm-tag--error", "#ffffff"],
    [".vm-tag--pending", "#f0f4f5"],
  ])("%s text is at least AA (4.5:1) on its background", (selector, background) => {
    const r = rule(selector);
    expect(r["background-color"]).toBe(background);
    expect(contrast(r.color!, r["background-color"]!)).toBeGreaterThanOrEqual(4.5);
  });
});
