// NHS.UK form patterns: form groups with hint and inline error, error summaries, callouts.

import { type Child, h, hidden } from "./dom";

/** Shows or removes the inline error of the form group holding `input`. */
export function setFieldError(input: HTMLElement, message: string | null): void {
  const group = input.closest(".nhsuk-form-group");
  if (!group) return;
  const errorId = `${input.id}-error`;
  for (const old of Array.from(group.querySelectorAll(".nhsuk-error-message"))) {
    if (old.id === errorId) old.remove();
  }
  const describedBy = (input.getAttribute("aria-describedby") ?? "")
    .split(" ")
    .filter((id) => id !== "" && id !== errorId);
  const errorClass = inputErrorClass(input);
  if (message === null) {
    group.classList.remove("nhsuk-form-group--error");
    if (errorClass) input.classList.remove(errorClass);
  } else {
    group.classList.add("nhsuk-form-group--error");
    if (errorClass) input.classList.add(errorClass);
    const error = h("span", { class: "nhsuk-error-message", id: errorId }, hidden("Error: "), message);
    const anchor = input.closest(".nhsuk-checkboxes, .nhsuk-date-input, .vm-input-row") ?? input;
    anchor.parentElement?.insertBefore(error, anchor);
    describedBy.push(errorId);
  }
  if (describedBy.length > 0) input.setAttribute("aria-describedby", describedBy.join(" "));
  else input.removeAttribute("aria-describedby");
}

function inputErrorClass(input: HTMLElement): string | null {
  if (input.classList.contains("nhsuk-input")) return "nhsuk-input--error";
  if (input.classList.contains("nhsuk-select")) return "nhsuk-select--error";
  return null;
}

export interface FieldOptions {
  id: string;
  label: string;
  labelClass?: string;
  hint?: string;
  type?: string;
  inputClass?: string;
  inputmode?: string;
  autocomplete?: string;
  value?: string;
  error?: string | null;
}

/** A text input in its form group. */
export function textField(o: FieldOptions): { group: HTMLDivElement; input: HTMLInputElement } {
  const hintId = o.hint ? `${o.id}-hint` : null;
  const input = h("input", {
    class: `nhsuk-input ${o.inputClass ?? ""}`.trim(),
    id: o.id,
    name: o.id,
    type: o.type ?? "text",
    inputmode: o.inputmode,
    autocomplete: o.autocomplete ?? "off",
    spellcheck: "false",
    "aria-describedby": hintId,
    value: o.value,
  });
  const group = h(
    "div",
    { class: "nhsuk-form-group" },
    h("label", { class: `nhsuk-label ${o.labelClass ?? ""}`.trim(), for: o.id }, o.label),
    o.hint ? h("div", { class: "nhsuk-hint", id: hintId }, o.hint) : null,
    input,
  );
  if (o.error) setFieldError(input, o.error);
  return { group, input };
}

/** An NHS.UK warning callout. */
export function warningCallout(id: string, heading: string, ...body: Child[]): HTMLDivElement {
  return h(
    "div",
    { class: "nhsuk-card nhsuk-card--warning", id },
    h(
      "div",
      { class: "nhsuk-card__content" },
      h(
        "h2",
        { class: "nhsuk-card__heading" },
        h("span", { role: "text" }, hidden("Important: "), heading),
      ),
      ...body,
    ),
  );
}

/** An NHS.UK error summary box (without links: nothing in the app may navigate). */
export function errorSummary(id: string, heading: string, ...body: Child[]): HTMLDivElement {
  return h(
    "div",
    { class: "nhsuk-error-summary", id, tabindex: "-1", "aria-labelledby": `${id}-heading` },
    h("h2", { class: "nhsuk-error-summary__heading", id: `${id}-heading` }, heading),
    h("div", { class: "nhsuk-error-summary__body" }, ...body),
  );
}

/** A primary or secondary button. */
export function button(
  id: string,
  text: Child,
  opts: { type?: "submit" | "button"; variant?: "secondary" | "warning" | "reverse"; small?: boolean; onclick?: (e: Event) => void } = {},
): HTMLButtonElement {
  const classes = ["nhsuk-button"];
  if (opts.variant) classes.push(`nhsuk-button--${opts.variant}`);
  if (opts.small) classes.push("nhsuk-button--small");
  return h("button", { class: classes.join(" "), id, type: opts.type ?? "button", onclick: opts.onclick }, text);
}

/** A summary list from rows of [key, value, id?]. */
export function summaryList(rows: Array<[string, Child, string?]>, id?: string): HTMLDListElement {
  return h(
    "dl",
    { class: "nhsuk-summary-list", id },
    rows.map(([key, value, rowId]) =>
      h(
        "div",
        { class: "nhsuk-summary-list__row" },
        h("dt", { class: "nhsuk-summary-list__key" }, key),
        h("dd", { class: "nhsuk-summary-list__value", id: rowId }, value),
      ),
    ),
  );
}
