// The lookup's outcome on screen: the banner (colour AND icon AND headline words AND the NHS
// number it belongs to), the patient block, the error box (never a banner), the progress steps
// and the search matches.

import type { BannerColour } from "./bindings/BannerColour";
import type { IpcError } from "./bindings/IpcError";
import type { LookupReport } from "./bindings/LookupReport";
import type { LookupView } from "./bindings/LookupView";
import type { PatientReport } from "./bindings/PatientReport";
import type { Progress } from "./bindings/Progress";
import type { SearchMatchView } from "./bindings/SearchMatchView";
import { type Child, h, hidden } from "./dom";
import { sentence } from "./errors";
import { formatDate, formatGender, plural } from "./format";
import { button, errorSummary, summaryList, warningCallout } from "./forms";
import { BANNER_ICON, icon } from "./icons";
import { formatNhsNumber } from "./nhs-number";

export const EXEMPTION_REMINDER =
  "Some NHS services are free for everyone, and clinicians decide how urgent treatment is — do not delay urgent or immediately necessary treatment.";

export const FUTURE_DATE_HEADING = "The last update is dated in the future.";
export const FUTURE_DATE_WARNING = "This cannot be right: check with the Overseas Visitor Manager before relying on this status.";

export const STALE_HINT_HEADING = "Last updated more than 12 months ago.";
export const STALE_HINT = "The patient's circumstances may have changed: check with the Overseas Visitor Manager before relying on it.";

/** Words said with each colour, so colour is never alone (read before the headline). */
const COLOUR_WORDS: Record<BannerColour, string> = {
  red: "Chargeable",
  green: "Not chargeable",
  amber: "Check needed",
  grey: "No status",
};

/** The number the banner belongs to: the current number when PDS replaced the one asked for. */
export function bannerNhsNumber(report: LookupReport): string {
  return report.patient?.nhs_number ?? report.nhs_number;
}

/** What the live region says when a result arrives. */
export function announcement(report: LookupReport): string {
  const nhs = formatNhsNumber(bannerNhsNumber(report));
  if (report.outcome === "error" || !report.banner) {
    return `The check could not be completed for NHS number ${nhs}. ${report.error?.message ?? ""}`.trim();
  }
  return `Result for NHS number ${nhs}: ${report.headline ?? COLOUR_WORDS[report.banner]}.`;
}

/** The result slip's buttons (the lookup screen's result only; a worklist row has none). */
export interface SlipActions {
  /** Printing is allowed here (a desk; a kiosk only when configured). */
  print: boolean;
  /** Saving as a PDF is allowed here (a desk). */
  save: boolean;
  printSlip(lookupId: number, status: HTMLElement): void;
  saveSlip(lookupId: number, status: HTMLElement): void;
}

export interface ResultHandlers {
  copyTraceId(code: HTMLElement, status: HTMLElement): void;
  slip?: SlipActions;
}

/** A whole result: status/no record → banner + patient; error → error box, no banner. */
export function resultView(view: LookupView, handlers: ResultHandlers): HTMLElement {
  const report = view.report;
  if (report.outcome === "error" || !report.banner) {
    return lookupErrorView(report, view.raw_response, handlers);
  }
  const superseded = report.patient?.superseded_from ? supersededNotice(report.patient) : null;
  return h(
    "div",
    { class: "vm-result", id: "result" },
    hospitalNumberNotice(report),
    report.hospital_number_warning
      ? warningCallout("hospital-number-warning", "Check the NHS number", h("p", null, report.hospital_number_warning))
      : null,
    superseded,
    h(
      "div",
      { class: "vm-result__main" },
      h(
        "div",
        { class: "vm-result__status" },
        banner(report),
        report.effective_in_future
          ? h(
              "div",
              { class: "nhsuk-warning-callout vm-future-date", id: "future-date-warning" },
              h("h3", { class: "nhsuk-warning-callout__label" }, h("span", { role: "text" }, hidden("Important: "), "Check the date")),
              h("p", null, h("strong", null, FUTURE_DATE_HEADING), " ", FUTURE_DATE_WARNING),
            )
          : null,
        report.effective_older_than_12_months
          ? h("p", { class: "vm-stale-hint", id: "stale-hint" }, icon("info", "vm-icon vm-icon--small"), h("span", null, h("strong", null, STALE_HINT_HEADING), " ", STALE_HINT))
          : null,
        report.exemption_reminder
          ? h(
              "div",
              { class: "nhsuk-inset-text vm-reminder", id: "exemption-reminder" },
              hidden("Information: "),
              h("p", null, EXEMPTION_REMINDER),
            )
          : null,
      ),
      report.patient ? patientBlock(report.patient) : noPatientBlock(),
    ),
    traceLine(report.trace_id, handlers),
    slipLine(view.lookup_id, handlers.slip),
    // The technical details hold the detail too: not for a role that may not see it.
    report.view === "restricted" ? null : technicalDetails(report, view.raw_response),
  );
}

export function banner(report: LookupReport): HTMLElement {
  const colour = report.banner ?? "grey";
  const nhs = formatNhsNumber(bannerNhsNumber(report));
  const category = report.category
    ? h(
        "p",
        { class: "banner__category", id: "banner-category" },
        h("strong", null, categoryLabel(report), ". "),
        report.category_definition ?? "",
      )
    : null;
  const updated = report.effective_display
    ? h("p", { class: "banner__updated", id: "banner-updated" }, `Last updated ${report.effective_display}`)
    : null;
  // RBAC: a role without the detail activity reads this in place of the category and date.
  const withheld = report.detail_withheld
    ? h("p", { class: "banner__withheld", id: "banner-detail-withheld" }, report.detail_withheld)
    : null;
  return h(
    "section",
    { class: `banner banner--${colour}`, id: "banner", "data-colour": colour, "aria-labelledby": "banner-headline" },
    icon(BANNER_ICON[colour], "banner__icon"),
    h(
      "div",
      { class: "banner__body" },
      h(
        "p",
        { class: "banner__for" },
        "NHS number ",
        h("strong", { class: "banner__nhs-number", id: "banner-nhs-number" }, nhs),
      ),
      h("h2", { class: "banner__headline", id: "banner-headline" }, report.headline ?? COLOUR_WORDS[colour]),
      category,
      updated,
      withheld,
    ),
  );
}

function categoryLabel(report: LookupReport): string {
  // Stryker disable next-line StringLiteral: equivalent — categoryLabel is only called when report.category is non-empty, so the "" fallback is never used
  const code = report.category ?? "";
  const display = report.category_display ?? code;
  if (/^[A-F]$/.test(code)) return `Category ${code}: ${display}`;
  return `Category: ${display}`;
}

/** What a lookup was asked about: ten digits are an NHS number; anything else sent is a
 *  hospital number (the form only sends those two, and no hospital number form has ten digits). */
function asked(s: string): "NHS number" | "Hospital number" {
  return /^\d{10}$/.test(s) ? "NHS number" : "Hospital number";
}

/** The number as shown: an NHS number grouped 3-3-4, a hospital number as it is. */
function askedValue(s: string): string {
  return asked(s) === "NHS number" ? formatNhsNumber(s) : s;
}

/** Which hospital number the lookup began with, and the NHS number the trust's records gave. */
function hospitalNumberNotice(report: LookupReport): HTMLElement | null {
  if (!report.hospital_number) return null;
  const trust = report.trust_nhs_number ? `: the trust's records give NHS number ${formatNhsNumber(report.trust_nhs_number)}` : "";
  return h("div", { class: "nhsuk-inset-text vm-notice", id: "hospital-number-notice" }, hidden("Information: "), h("p", null, `Hospital number ${report.hospital_number}${trust}.`));
}

function supersededNotice(p: PatientReport): HTMLElement {
  return h(
    "div",
    { class: "nhsuk-inset-text vm-notice", id: "superseded-notice" },
    hidden("Information: "),
    h(
      "p",
      null,
      // Stryker disable next-line StringLiteral: equivalent for the `?? ""` — supersededNotice is only called when superseded_from is set (the template literal on this line is killed by banner.test.ts and result-view.test.ts)
      `NHS number ${formatNhsNumber(p.superseded_from ?? "")} has been replaced by ${formatNhsNumber(p.nhs_number)}. `,
      `The result below is for ${formatNhsNumber(p.nhs_number)}.`,
    ),
  );
}

export function patientBlock(p: PatientReport): HTMLElement {
  const address: Child = p.restricted
    ? h("span", { id: "patient-address-withheld" }, "Address withheld (restricted record)")
    : p.address && p.address.length > 0
      ? p.address.flatMap((line, i) => (i === 0 ? [line] : [h("br"), line]))
      : "Not known";
  return h(
    "section",
    { class: "nhsuk-card vm-patient", id: "patient", "aria-labelledby": "patient-heading" },
    h(
      "div",
      { class: "nhsuk-card__content" },
      h("h2", { class: "nhsuk-card__heading nhsuk-heading-m", id: "patient-heading" }, "Patient"),
      h("p", { class: "nhsuk-body-s vm-muted" }, "Check this is the person in front of you."),
      p.deceased
        ? h(
            "p",
            { class: "vm-deceased", id: "deceased-notice" },
            h("strong", { class: "nhsuk-tag nhsuk-tag--grey" }, "Deceased"),
            ` This patient died on ${formatDate(p.deceased)}.`,
          )
        : null,
      p.identity_warning
        ? h(
            "div",
            { class: "nhsuk-warning-callout vm-identity-warning", id: "identity-warning" },
            h("h3", { class: "nhsuk-warning-callout__label" }, h("span", { role: "text" }, hidden("Important: "), "Confirm identity another way")),
            h("p", null, p.identity_warning),
          )
        : null,
      summaryList([
        ["Name", withNote(p.name === "" ? "Not held by PDS" : p.name, p.name_note, "patient-name-note"), "patient-name"],
        ["NHS number", formatNhsNumber(p.nhs_number), "patient-nhs-number"],
        ["Date of birth", p.birth_date ? formatDate(p.birth_date) : "Not held by PDS", "patient-birth-date"],
        ["Gender", formatGender(p.gender), "patient-gender"],
        ["Address", withNote(address, p.restricted ? null : p.address_note, "patient-address-note"), "patient-address"],
      ]),
    ),
  );
}

/** A value with, when it is not current, a tag saying so (`historic — ended 31 December 2021`). */
function withNote(value: Child, note: string | null, id: string): Child {
  if (!note) return value;
  return [value, h("br"), h("strong", { class: "nhsuk-tag nhsuk-tag--grey vm-historic", id }, note)];
}

function noPatientBlock(): HTMLElement {
  return h(
    "section",
    { class: "nhsuk-card vm-patient", id: "patient" },
    h("div", { class: "nhsuk-card__content" }, h("p", null, "No patient details were returned.")),
  );
}

function traceLine(traceId: string, handlers: ResultHandlers): HTMLElement {
  const code = h("code", { class: "vm-trace__id", id: "trace-id" }, traceId);
  const status = h("span", { class: "vm-trace__status", id: "copy-status", role: "status" });
  return h(
    "p",
    { class: "vm-trace nhsuk-body-s" },
    h("span", { class: "vm-trace__label" }, "Ssp-TraceID "),
    code,
    " ",
    button("copy-trace-id", ["Copy", hidden(" trace ID")], {
      variant: "secondary",
      small: true,
      onclick: () => handlers.copyTraceId(code, status),
    }),
    " ",
    status,
  );
}

/** "Print" and "Save as PDF" for the result on screen, with a line saying what happened. */
function slipLine(lookupId: number, slip: SlipActions | undefined): HTMLElement | null {
  if (!slip || (!slip.print && !slip.save)) return null;
  const status = h("span", { class: "vm-slip__status", id: "slip-status", role: "status" });
  return h(
    "p",
    { class: "vm-slip nhsuk-body-s", id: "slip-actions" },
    slip.print
      ? button("print-slip", "Print", { variant: "secondary", small: true, onclick: () => slip.printSlip(lookupId, status) })
      : null,
    " ",
    slip.save
      ? button("save-slip", "Save as PDF", { variant: "secondary", small: true, onclick: () => slip.saveSlip(lookupId, status) })
      : null,
    " ",
    status,
  );
}

function technicalDetails(report: LookupReport, raw: string | null): HTMLElement {
  const facts: string[] = [`Outcome: ${report.outcome}`];
  if (report.basic) facts.push(`Basic status: ${report.basic}`);
  if (report.category) facts.push(`Category: ${report.category}`);
  if (report.effective) facts.push(`Effective: ${report.effective}`);
  if (report.error) {
    facts.push(`Error code: ${report.error.code}${report.error.http ? ` (HTTP ${report.error.http})` : ""}`);
  }
  facts.push(`Ssp-TraceID: ${report.trace_id}`);
  return h(
    "details",
    { class: "nhsuk-details vm-technical", id: "technical-details" },
    h("summary", { class: "nhsuk-details__summary" }, h("span", { class: "nhsuk-details__summary-text" }, "Technical details")),
    h(
      "div",
      { class: "nhsuk-details__text" },
      h("p", { class: "nhsuk-body-s" }, "For the service desk."),
      h("pre", { class: "vm-pre", id: "technical-facts" }, facts.join("\n")),
      h("pre", { class: "vm-pre", id: "raw-response", tabindex: "0", "aria-label": "Raw response" }, raw ?? "No response body was received."),
    ),
  );
}

/** An error outcome: message, action, trace id — and no banner. */
function lookupErrorView(report: LookupReport, raw: string | null, handlers: ResultHandlers): HTMLElement {
  const error = report.error ?? {
    http: null,
    // Stryker disable next-line StringLiteral: equivalent — this fallback's code is never shown: the error box prints only its message and action, and the technical details list report.error, which is null here
    code: "UNKNOWN",
    message: "The check could not be completed.",
    action: "Try again. If it keeps happening, contact the service desk.",
  };
  return h(
    "div",
    { class: "vm-result vm-result--error", id: "result" },
    errorSummary(
      "lookup-error",
      "The check could not be completed",
      h("p", { id: "lookup-error-message" }, sentence(error.message)),
      h("p", { id: "lookup-error-action" }, h("strong", null, "What to do: "), sentence(error.action)),
      h("p", { class: "nhsuk-body-s" }, `${asked(report.nhs_number)} asked about: ${askedValue(report.nhs_number)}`),
      traceLine(report.trace_id, handlers),
    ),
    report.patient ? patientBlock(report.patient) : null,
    technicalDetails(report, raw),
  );
}

/** A lookup whose command itself failed (rejected invoke). Also never a banner. */
export function failureView(nhs: string, error: IpcError, action: string, handlers: ResultHandlers): HTMLElement {
  return h(
    "div",
    { class: "vm-result vm-result--error", id: "result" },
    errorSummary(
      "lookup-error",
      "The check could not be completed",
      h("p", { id: "lookup-error-message" }, sentence(error.message)),
      h("p", { id: "lookup-error-action" }, h("strong", null, "What to do: "), sentence(action)),
      h("p", { class: "nhsuk-body-s" }, `${asked(nhs)} asked about: ${askedValue(nhs)}`),
      error.trace_id ? traceLine(error.trace_id, handlers) : h("p", { class: "nhsuk-body-s" }, `Error code: ${error.code}`),
    ),
  );
}

const STEPS: Array<[Progress, string]> = [
  ["tracing", "Tracing the patient"],
  ["finding_endpoint", "Finding the Spine endpoint"],
  ["querying", "Checking visitor status"],
];

/** A hospital number is first looked up in the trust's records. */
const HOSPITAL_NUMBER_STEPS: Array<[Progress, string]> = [["finding_record", "Finding the trust's record"], ...STEPS];

/** The steps of a running lookup with a Cancel button. */
export function progressView(nhs: string, step: Progress | null, onCancel: () => void): HTMLElement {
  const steps = asked(nhs) === "NHS number" ? STEPS : HOSPITAL_NUMBER_STEPS;
  const current = step === null ? 0 : steps.findIndex(([s]) => s === step);
  return h(
    "div",
    { class: "vm-progress", id: "progress", "aria-labelledby": "progress-heading" },
    h("h2", { class: "nhsuk-heading-m", id: "progress-heading" }, `Checking ${asked(nhs) === "NHS number" ? "NHS number" : "hospital number"} ${askedValue(nhs)}`),
    h(
      "ol",
      { class: "vm-steps", id: "progress-steps", role: "status", "aria-live": "polite" },
      steps.map(([key, label], i) => {
        const state = i < current ? "done" : i === current ? "current" : "pending";
        return h(
          "li",
          { class: `vm-step vm-step--${state}`, id: `step-${key}`, "data-state": state, "aria-current": state === "current" ? "step" : null },
          h("span", { class: "vm-step__marker", "aria-hidden": "true" }, state === "done" ? icon("tick", "vm-step__icon") : String(i + 1)),
          h("span", { class: "vm-step__label" }, label),
          hidden(state === "done" ? " (done)" : state === "current" ? " (in progress)" : " (to do)"),
        );
      }),
    ),
    button("cancel-lookup", "Cancel", { variant: "secondary", onclick: onCancel }),
  );
}

/** Patients found by a search, each with a button to check them. */
export function matchesView(matches: SearchMatchView[], onPick: (nhs: string) => void): HTMLElement {
  if (matches.length === 0) {
    return h(
      "div",
      { class: "vm-matches", id: "search-results" },
      h("h2", { class: "nhsuk-heading-m", id: "search-results-heading", tabindex: "-1" }, "No patients found"),
      h("p", null, "Check the details are correct, or try with fewer details (for example without the given name or postcode)."),
    );
  }
  return h(
    "div",
    { class: "vm-matches", id: "search-results" },
    h(
      "table",
      { class: "nhsuk-table vm-matches__table" },
      h("caption", { class: "nhsuk-table__caption nhsuk-table__caption--m", id: "search-results-heading", tabindex: "-1" }, `${plural(matches.length, "patient", "patients")} found`),
      h(
        "thead",
        { class: "nhsuk-table__head" },
        h(
          "tr",
          { class: "nhsuk-table__row" },
          ["Name", "NHS number", "Date of birth", "Gender", "Postcode", "Match", ""].map((t) =>
            h("th", { class: "nhsuk-table__header", scope: "col" }, t === "" ? hidden("Action") : t),
          ),
        ),
      ),
      h(
        "tbody",
        { class: "nhsuk-table__body" },
        matches.map((m) =>
          h(
            "tr",
            { class: "nhsuk-table__row", id: `match-${m.nhs_number}` },
            h(
              "th",
              { class: "nhsuk-table__header", scope: "row" },
              m.name === "" ? "Name not held by PDS" : m.name,
              m.name_note ? [" ", h("strong", { class: "nhsuk-tag nhsuk-tag--grey" }, `Name ${m.name_note}`)] : null,
              m.restricted ? [" ", h("strong", { class: "nhsuk-tag nhsuk-tag--grey" }, "Restricted")] : null,
            ),
            h("td", { class: "nhsuk-table__cell vm-nowrap" }, formatNhsNumber(m.nhs_number)),
            h("td", { class: "nhsuk-table__cell" }, formatDate(m.birth_date)),
            h("td", { class: "nhsuk-table__cell" }, formatGender(m.gender)),
            h("td", { class: "nhsuk-table__cell" }, m.restricted ? "Withheld" : (m.postcode ?? "Not known")),
            h("td", { class: "nhsuk-table__cell" }, formatScore(m.score)),
            h(
              "td",
              { class: "nhsuk-table__cell" },
              button(`pick-${m.nhs_number}`, ["Check", hidden(` ${m.name}`)], {
                variant: "secondary",
                small: true,
                onclick: () => onPick(m.nhs_number),
              }),
            ),
          ),
        ),
      ),
    ),
  );
}

function formatScore(score: number | null): string {
  if (score === null) return "—";
  return score <= 1 ? `${Math.round(score * 100)}%` : String(score);
}
