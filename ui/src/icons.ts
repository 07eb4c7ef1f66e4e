// Icons drawn in the text colour (`currentColor`), cut to their outline by the stylesheet: no
// inline styles, and hidden from assistive technology: the words beside them carry the meaning.

import type { BannerColour } from "./bindings/BannerColour";
import { h } from "./dom";

/** The icons, each drawn by `images/src/icon-NAME.svg`. */
export const ICON_NAMES = ["cross", "tick", "warning", "info"] as const;
export type IconName = (typeof ICON_NAMES)[number];

/** The icon each banner colour carries beside its colour and words. */
export const BANNER_ICON: Record<BannerColour, IconName> = {
  red: "cross",
  green: "tick",
  amber: "warning",
  grey: "info",
};

/**
 * An icon: an empty element filled with the text colour and cut to the outline of
 * `images/src/icon-NAME.svg` (`[data-icon]` in styles/app.css; the outline traced by
 * build/clip-paths.mjs). No SVG and no image: WebKit's SVG engine cost the web process 1.7 MB
 * for the logo and one icon, decoding them as PNG masks 0.45 MB (README, Performance).
 */
export function icon(name: IconName, className = "vm-icon"): HTMLElement {
  return h("span", { class: `${className} vm-icon--${name}`, "data-icon": name, "aria-hidden": "true" });
}

/** The NHS logo, in the header's text colour, cut to the outline of `images/src/nhs-logo.svg`. */
export function nhsLogo(): HTMLElement {
  return h("span", { class: "nhsuk-header__logo vm-logo__mark", role: "img", "aria-label": "NHS" });
}
