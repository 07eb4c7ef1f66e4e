// Icons drawn in the text colour (`currentColor`) through an image mask: no inline styles, and
// hidden from assistive technology: the words beside them carry the meaning.

import type { BannerColour } from "./bindings/BannerColour";
import { h } from "./dom";

export type IconName = "cross" | "tick" | "warning" | "info";

/** The icon each banner colour carries beside its colour and words. */
export const BANNER_ICON: Record<BannerColour, IconName> = {
  red: "cross",
  green: "tick",
  amber: "warning",
  grey: "info",
};

/**
 * An icon: an empty element painted in the text colour through its mask (`images/icon-NAME.png`,
 * drawn from `images/src/icon-NAME.svg`; styles/app.css, `[data-icon]`). No SVG: WebKit's SVG
 * engine cost the web process 1.7 MB for the logo and one icon (README, Performance).
 */
export function icon(name: IconName, className = "vm-icon"): HTMLElement {
  return h("span", { class: `${className} vm-icon--${name}`, "data-icon": name, "aria-hidden": "true" });
}

/** The NHS logo, painted in the header's text colour through its mask (`images/nhs-logo.png`). */
export function nhsLogo(): HTMLElement {
  return h("span", { class: "nhsuk-header__logo vm-logo__mark", role: "img", "aria-label": "NHS" });
}
