// The lookup form (NHS number, checked and formatted as typed — or, with `[care_connect]`, a
// hospital number of the trust's form) and the "Search by details" form (family name, given
// name, date of birth, gender, postcode).

import type { SearchTerms } from "./bindings/SearchTerms";
import { h, hidden } from "./dom";
import { button, errorSummary, setFieldError, textField } from "./forms";
import { describeHospitalNumber, looksLikeHospitalNumber, matchesHospitalNumber } from "./hospital-number";
import { checkNhsNumber, formatAsTyped, nhsNumberError } from "./nhs-number";

export interface LookupFormProps {
  /** An NHS number's ten digits, or a hospital number of the trust's form (upper case). */
  onLookup(digitsOrHospitalNumber: string): void;
  onSearch(terms: SearchTerms): void;
  /** The trust's hospital number pattern (`#` a digit), when hospital numbers are accepted. */
  hospitalNumberPattern?: string | null;
}

export interface LookupForm {
  element: HTMLElement;
  nhsInput: HTMLInputElement;
  /** Empties every field (patient details typed by the user). */
  clear(): void;
  /** Folds the search form away (its values stay) so the matches below are in view. */
  closeSearch(): void;
}

export function lookupForm(p: LookupFormProps): LookupForm {
  const pattern = p.hospitalNumberPattern ?? null;
  const { group, input } = textField({
    id: "nhs-number",
    label: pattern ? "NHS number or hospital number" : "NHS number",
    labelClass: "nhsuk-label--m",
    hint: pattern
      ? `10 digits, for example 943 476 5919, or a hospital number: ${describeHospitalNumber(pattern)}`
      : "10 digits, for example 943 476 5919",
    inputClass: "nhsuk-input--width-10 nhsuk-input--code vm-nhs-input",
    inputmode: pattern ? "text" : "numeric",
  });
  wireNhsNumberInput(input, pattern);
  const submit = button("lookup-submit", "Check status", { type: "submit" });
  // The button sits right after the input, whatever the width of the label, hint or error.
  const row = h("div", { class: "vm-input-row" });
  input.replaceWith(row);
  row.append(input, submit);
  const form = h("form", { class: "vm-lookup-form", id: "lookup-form", novalidate: true, autocomplete: "off" }, group);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    // Spaces are ignored (a digits-only form is grouped 3-3-4 as it is typed).
    const compact = input.value.replace(/\s+/g, "");
    if (pattern && matchesHospitalNumber(pattern, compact)) {
      setFieldError(input, null);
      p.onLookup(compact.toUpperCase());
      return;
    }
    const check = checkNhsNumber(input.value);
    const error =
      pattern && looksLikeHospitalNumber(input.value)
        ? `This is not a hospital number of this trust: a hospital number is ${describeHospitalNumber(pattern)}`
        : nhsNumberError(check, true);
    setFieldError(input, error);
    if (error !== null || check.kind !== "valid") {
      input.focus();
      return;
    }
    p.onLookup(check.digits);
  });

  const search = searchForm(p.onSearch);
  const details = h(
    "details",
    { class: "nhsuk-details vm-search", id: "search-details" },
    h("summary", { class: "nhsuk-details__summary", id: "search-toggle" }, h("span", { class: "nhsuk-details__summary-text" }, "Search by details")),
    h("div", { class: "nhsuk-details__text" }, h("p", null, "If you do not know the NHS number, find the patient on PDS by their details."), search.form),
  );
  const element = h("div", { class: "vm-lookup", id: "lookup" }, h("h1", { class: "nhsuk-heading-l" }, "Check a patient"), form, details);
  return {
    element,
    nhsInput: input,
    clear: () => {
      input.value = "";
      setFieldError(input, null);
      search.clear();
      details.open = false;
    },
    closeSearch: () => {
      details.open = false;
    },
  };
}

/** 3-3-4 formatting with a sane caret, and the Modulus 11 check as the user types. With a
 *  hospital number pattern, input holding a letter is left alone until it is submitted. */
export function wireNhsNumberInput(input: HTMLInputElement, hospitalNumberPattern: string | null = null): void {
  input.addEventListener("input", () => {
    if (hospitalNumberPattern && looksLikeHospitalNumber(input.value)) {
      setFieldError(input, null);
      return;
    }
    const caret = input.selectionStart ?? input.value.length;
    const next = formatAsTyped(input.value, caret);
    if (next.value !== input.value) {
      input.value = next.value;
      if (document.activeElement === input) input.setSelectionRange(next.caret, next.caret);
    }
    setFieldError(input, nhsNumberError(checkNhsNumber(input.value), false));
  });
  // Backspace just after a group space deletes the digit before it, not only the space.
  input.addEventListener("keydown", (e) => {
    if (e.key !== "Backspace") return;
    const start = input.selectionStart;
    const end = input.selectionEnd;
    if (start !== null && start === end && start > 0 && input.value[start - 1] === " ") {
      input.setSelectionRange(start - 1, start - 1);
    }
  });
}

interface SearchFormParts {
  form: HTMLFormElement;
  clear(): void;
}

const GENDERS: Array<[string, string]> = [
  ["", "Select gender"],
  ["female", "Female"],
  ["male", "Male"],
  ["other", "Other"],
  ["unknown", "Not known"],
];

function searchForm(onSearch: (terms: SearchTerms) => void): SearchFormParts {
  const family = textField({ id: "search-family", label: "Family name", inputClass: "nhsuk-u-width-two-thirds" });
  const given = textField({ id: "search-given", label: "Given name (optional)", inputClass: "nhsuk-u-width-two-thirds" });
  const postcode = textField({ id: "search-postcode", label: "Postcode (optional)", inputClass: "nhsuk-input--width-10" });
  const dateInput = (part: string, label: string, width: number) => {
    const input = h("input", {
      class: `nhsuk-input nhsuk-date-input__input nhsuk-input--width-${width}`,
      id: `search-dob-${part}`,
      name: `search-dob-${part}`,
      type: "text",
      inputmode: "numeric",
      autocomplete: "off",
    });
    const item = h(
      "div",
      { class: "nhsuk-date-input__item" },
      h("div", { class: "nhsuk-form-group" }, h("label", { class: "nhsuk-label nhsuk-date-input__label", for: input.id }, label), input),
    );
    return { input, item };
  };
  const day = dateInput("day", "Day", 2);
  const month = dateInput("month", "Month", 2);
  const year = dateInput("year", "Year", 4);
  const dobGroup = h(
    "div",
    { class: "nhsuk-form-group", id: "search-dob-group" },
    h(
      "fieldset",
      { class: "nhsuk-fieldset", role: "group", "aria-describedby": "search-dob-hint" },
      h("legend", { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s" }, "Date of birth"),
      h("div", { class: "nhsuk-hint", id: "search-dob-hint" }, "For example, 15 3 1984"),
      h("div", { class: "nhsuk-date-input", id: "search-dob" }, day.item, month.item, year.item),
    ),
  );
  const gender = h(
    "select",
    { class: "nhsuk-select", id: "search-gender", name: "search-gender" },
    GENDERS.map(([value, label]) => h("option", { value }, label)),
  );
  const genderGroup = h("div", { class: "nhsuk-form-group" }, h("label", { class: "nhsuk-label", for: "search-gender" }, "Gender"), gender);
  const summarySlot = h("div", { id: "search-error-slot" });
  const form = h(
    "form",
    { id: "search-form", novalidate: true, autocomplete: "off" },
    summarySlot,
    family.group,
    given.group,
    dobGroup,
    genderGroup,
    postcode.group,
    button("search-submit", "Search", { type: "submit", variant: "secondary" }),
  );

  const setDobError = (message: string | null) => {
    dobGroup.querySelector("#search-dob-error")?.remove();
    dobGroup.classList.toggle("nhsuk-form-group--error", message !== null);
    for (const i of [day.input, month.input, year.input]) i.classList.toggle("nhsuk-input--error", message !== null);
    if (message !== null) {
      dobGroup.querySelector("#search-dob")?.before(h("span", { class: "nhsuk-error-message", id: "search-dob-error" }, hidden("Error: "), message));
    }
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const errors: Array<[HTMLElement, string]> = [];
    const familyName = family.input.value.trim();
    const familyError = familyName === "" ? "Enter the patient's family name" : null;
    setFieldError(family.input, familyError);
    if (familyError) errors.push([family.input, familyError]);
    const dob = readDate(day.input.value, month.input.value, year.input.value, new Date());
    setDobError(dob.error);
    if (dob.error) errors.push([day.input, dob.error]);
    const genderError = gender.value === "" ? "Select the patient's gender" : null;
    setFieldError(gender, genderError);
    if (genderError) errors.push([gender, genderError]);

    summarySlot.replaceChildren();
    if (errors.length > 0) {
      const summary = errorSummary(
        "search-error-summary",
        "There is a problem",
        h("ul", { class: "nhsuk-list nhsuk-error-summary__list" }, errors.map(([, m]) => h("li", null, m))),
      );
      summarySlot.append(summary);
      errors[0]?.[0].focus();
      return;
    }
    onSearch({
      family: familyName,
      given: given.input.value.trim() || null,
      gender: gender.value,
      birth_date: dob.iso ?? "",
      postcode: postcode.input.value.trim().toUpperCase() || null,
    });
  });

  return {
    form,
    clear: () => {
      form.reset();
      summarySlot.replaceChildren();
      setFieldError(family.input, null);
      setFieldError(gender, null);
      setDobError(null);
    },
  };
}

/** Reads the three date fields: an ISO date or the NHS-pattern error message. */
export function readDate(d: string, m: string, y: string, today: Date): { iso: string | null; error: string | null } {
  const [dd, mm, yy] = [d.trim(), m.trim(), y.trim()];
  if (dd === "" && mm === "" && yy === "") return { iso: null, error: "Enter the patient's date of birth" };
  if (dd === "" || mm === "" || yy === "") {
    const missing = [dd === "" ? "day" : null, mm === "" ? "month" : null, yy === "" ? "year" : null].filter(Boolean).join(" and ");
    return { iso: null, error: `Date of birth must include a ${missing}` };
  }
  if (!/^\d{1,2}$/.test(dd) || !/^\d{1,2}$/.test(mm) || !/^\d{4}$/.test(yy)) {
    return { iso: null, error: "Date of birth must be a real date" };
  }
  const [day, month, year] = [Number(dd), Number(mm), Number(yy)];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || year < 1850) {
    return { iso: null, error: "Date of birth must be a real date" };
  }
  const todayUtc = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  if (date.getTime() > todayUtc) return { iso: null, error: "Date of birth must be today or in the past" };
  const iso = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return { iso, error: null };
}
