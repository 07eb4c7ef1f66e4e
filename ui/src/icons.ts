// Inline SVG icons drawn in our own markup (no image requests, no inline styles). They follow
// the text colour (`currentColor`) and are hidden from assistive technology: the words beside
// them carry the meaning.

import type { BannerColour } from "./bindings/BannerColour";
import { svg } from "./dom";

export type IconName = "cross" | "tick" | "warning" | "info";

/** The icon each banner colour carries beside its colour and words. */
export const BANNER_ICON: Record<BannerColour, IconName> = {
  red: "cross",
  green: "tick",
  amber: "warning",
  grey: "info",
};

const stroke = { fill: "none", stroke: "currentColor", "stroke-width": 2.5, "stroke-linecap": "round", "stroke-linejoin": "round" };

export function icon(name: IconName, className = "vm-icon"): SVGElement {
  const parts: SVGElement[] = [];
  switch (name) {
    case "cross":
      parts.push(
        svg("circle", { cx: 24, cy: 24, r: 21, ...stroke, "stroke-width": 3 }),
        svg("path", { d: "M16 16 32 32M32 16 16 32", ...stroke, "stroke-width": 4 }),
      );
      break;
    case "tick":
      parts.push(
        svg("circle", { cx: 24, cy: 24, r: 21, ...stroke, "stroke-width": 3 }),
        svg("path", { d: "M14 25 21 32 34 17", ...stroke, "stroke-width": 4 }),
      );
      break;
    case "warning":
      parts.push(
        svg("path", { d: "M24 4 45 42H3Z", ...stroke, "stroke-width": 3 }),
        svg("path", { d: "M24 17v12", ...stroke, "stroke-width": 4 }),
        svg("circle", { cx: 24, cy: 35.5, r: 2.5, fill: "currentColor" }),
      );
      break;
    case "info":
      parts.push(
        svg("circle", { cx: 24, cy: 24, r: 21, ...stroke, "stroke-width": 3 }),
        svg("path", { d: "M24 21v14", ...stroke, "stroke-width": 4 }),
        svg("circle", { cx: 24, cy: 14, r: 2.5, fill: "currentColor" }),
      );
      break;
  }
  return svg(
    "svg",
    {
      class: `${className} vm-icon--${name}`,
      "data-icon": name,
      viewBox: "0 0 48 48",
      width: 48,
      height: 48,
      focusable: "false",
      "aria-hidden": "true",
    },
    ...parts,
  );
}

/** The NHS logo (path from nhsuk-frontend's header). */
export function nhsLogo(): SVGElement {
  const title = svg("title", {});
  title.textContent = "NHS";
  return svg(
    "svg",
    {
      class: "nhsuk-header__logo",
      viewBox: "0 0 200 80",
      height: 40,
      width: 100,
      focusable: "false",
      role: "img",
      "aria-label": "NHS",
    },
    title,
    svg("path", {
      fill: "currentcolor",
      d: "M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z",
    }),
  );
}
