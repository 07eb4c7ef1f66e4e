// The result view word for word and class for class: what the person at the desk reads, the
// colour and icon the banner carries, the NHS number it belongs to, and that an error is never a
// banner. (Written to kill the mutants StrykerJS found surviving: `npm run mutants`.)

import { describe, expect, it, vi } from "vitest";
import type { BannerColour } from "../src/bindings/BannerColour";
import type { IpcError } from "../src/bindings/IpcError";
import type { LookupReport } from "../src/bindings/LookupReport";
import type { PatientReport } from "../src/bindings/PatientReport";
import { lookupView, REPORTS } from "../src/dev-fake";
import { announcement, banner, failureView, resultView } from "../src/views-result";

const handlers = { copyTraceId: () => undefined };

/** A fresh copy of a canned report, with changes. */
function report(nhs: string, extra: Partial<LookupReport> = {}): LookupReport {
  return { ...structuredClone(REPORTS[nhs]!), ...extra };
}

function withPatient(nhs: string, extra: Partial<PatientReport>): LookupReport {
  const r = report(nhs);
  return { ...r, patient: { ...r.patient!, ...extra } };
}

function render(r: LookupReport, raw: string | null = "{}"): HTMLElement {
  document.body.replaceChildren(resultView({ lookup_id: 1, report: r, raw_response: raw }, handlers));
  return document.body;
}

function must(selector: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`no element ${selector}`);
  return el;
}

const text = (selector: string) => must(selector).textContent;
const cls = (selector: string) => must(selector).getAttribute("class");

const REMINDER =
  "Some NHS services are free for everyone, and clinicians decide how urgent treatment is — do not delay urgent or immediately necessary treatment.";

describe("the words around the banner, exactly", () => {
  it("the exemption reminder is an inset text announced as information", () => {
    render(report("9990000018"));
    expect(cls("#exemption-reminder")).toBe("nhsuk-inset-text vm-reminder");
    expect(text("#exemption-reminder")).toBe(`Information: ${REMINDER}`);
    expect(cls("#exemption-reminder > span")).toBe("nhsuk-u-visually-hidden");
  });

  it("an update older than 12 months says so in words, with an info icon", () => {
    render(report("9990000026"));
    expect(cls("#stale-hint")).toBe("vm-stale-hint");
    expect(text("#stale-hint")).toBe(
      "Last updated more than 12 months ago. The patient's circumstances may have changed: check with the Overseas Visitor Manager before relying on it.",
    );
    const icon = must("#stale-hint [data-icon]");
    expect(icon.getAttribute("data-icon")).toBe("info");
    expect(icon.getAttribute("class")).toBe("vm-icon vm-icon--small vm-icon--info");
  });

  it("an update dated in the future is a warning callout", () => {
    render(report("9990000042", { effective_in_future: true }));
    expect(cls("#future-date-warning")).toBe("nhsuk-warning-callout vm-future-date");
    const label = must("#future-date-warning h3");
    expect(label.getAttribute("class")).toBe("nhsuk-warning-callout__label");
    expect(must("span", label).getAttribute("role")).toBe("text");
    expect(label.textContent).toBe("Important: Check the date");
    expect(must("span > span", label).textContent).toBe("Important: ");
    expect(must("span > span", label).getAttribute("class")).toBe("nhsuk-u-visually-hidden");
    expect(text("#future-date-warning p")).toBe(
      "The last update is dated in the future. This cannot be right: check with the Overseas Visitor Manager before relying on this status.",
    );
  });

  it.each([
    ["red", "Chargeable", "cross"],
    ["green", "Not chargeable", "tick"],
    ["amber", "Check needed", "warning"],
    ["grey", "No status", "info"],
  ] as const)("a %s banner without a headline still says %s in words", (colour, words, iconName) => {
    render(report("9990000018", { banner: colour, headline: null }));
    expect(text("#banner-headline")).toBe(words);
    expect(must("#banner [data-icon]").getAttribute("data-icon")).toBe(iconName);
  });
});

describe("the banner, element by element", () => {
  it("sits in the status column of the result, before the patient", () => {
    render(report("9990000018"));
    const result = must("#result");
    expect(result.getAttribute("class")).toBe("vm-result");
    const main = must(":scope > div", result);
    expect(main.getAttribute("class")).toBe("vm-result__main");
    const status = main.firstElementChild as HTMLElement;
    expect(status.getAttribute("class")).toBe("vm-result__status");
    expect(status.firstElementChild?.id).toBe("banner");
    expect(main.lastElementChild?.id).toBe("patient");
  });

  it("carries its colour class, icon, words and NHS number", () => {
    render(report("9990000018"));
    const b = must("#banner");
    expect(b.tagName).toBe("SECTION");
    expect(b.getAttribute("class")).toBe("banner banner--red");
    expect(b.dataset.colour).toBe("red");
    expect(b.getAttribute("aria-labelledby")).toBe("banner-headline");
    expect(must("h2", b).id).toBe("banner-headline");
    const icon = b.firstElementChild as HTMLElement;
    expect(icon.getAttribute("class")).toBe("banner__icon vm-icon--cross");
    const body = must(".banner__body", b);
    expect(body.getAttribute("class")).toBe("banner__body");
    expect(Array.from(body.children, (c) => c.getAttribute("class"))).toEqual(["banner__for", "banner__headline", "banner__category", "banner__updated"]);
    expect(text("#banner .banner__for")).toBe("NHS number 999 000 0018");
    expect(cls("#banner-nhs-number")).toBe("banner__nhs-number");
    expect(must("#banner-nhs-number").tagName).toBe("STRONG");
    expect(cls("#banner-headline")).toBe("banner__headline");
    expect(cls("#banner-category")).toBe("banner__category");
    expect(cls("#banner-updated")).toBe("banner__updated");
  });

  it("is grey, never red or green, when a report without a colour reaches it", () => {
    const b = banner(report("9990000018", { banner: null, headline: null }));
    expect(b.getAttribute("class")).toBe("banner banner--grey");
    expect(b.dataset.colour).toBe("grey");
    expect(b.querySelector("[data-icon]")!.getAttribute("data-icon")).toBe("info");
    expect(b.querySelector("#banner-headline")!.textContent).toBe("No status");
  });

  it("names the category by its letter only for the categories A to F", () => {
    render(report("9990000107"));
    expect(text("#banner-category")).toBe("Category: Decision Pending. Awaiting confirmation of charging status.");
    render(report("9990000018", { category: "AB", category_display: "Unrecognised", category_definition: null }));
    expect(text("#banner-category")).toBe("Category: Unrecognised. ");
    render(report("9990000018", { category: "D", category_display: null, category_definition: null }));
    expect(text("#banner-category")).toBe("Category D: D. ");
  });

  it("shows no category or date lines when there are none", () => {
    render(report("9990000212"));
    expect(document.getElementById("banner-category")).toBeNull();
    expect(document.getElementById("banner-updated")).toBeNull();
    expect(document.getElementById("exemption-reminder")).toBeNull();
    expect(document.getElementById("stale-hint")).toBeNull();
  });
});

describe("the NHS number the result belongs to", () => {
  it("is the number asked about when PDS returned no patient", () => {
    render(report("9990000042", { patient: null }));
    expect(text("#banner-nhs-number")).toBe("999 000 0042");
    expect(document.getElementById("superseded-notice")).toBeNull();
    const p = must("#patient");
    expect(p.getAttribute("class")).toBe("nhsuk-card vm-patient");
    expect(p.textContent).toBe("No patient details were returned.");
    expect(cls("#patient > div")).toBe("nhsuk-card__content");
    expect(must("#patient > div > p").textContent).toBe("No patient details were returned.");
  });

  it("has no superseded notice when the number was not replaced", () => {
    render(report("9990000018"));
    expect(document.getElementById("superseded-notice")).toBeNull();
    expect(must("#result").firstElementChild?.getAttribute("class")).toBe("vm-result__main");
  });

  it("says, above everything, which number replaced the one asked about", () => {
    render(report("9990000247"));
    const notice = must("#superseded-notice");
    expect(must("#result").firstElementChild).toBe(notice);
    expect(notice.getAttribute("class")).toBe("nhsuk-inset-text vm-notice");
    expect(notice.textContent).toBe("Information: NHS number 999 000 0247 has been replaced by 999 000 0255. The result below is for 999 000 0255.");
    expect(cls("#superseded-notice > span")).toBe("nhsuk-u-visually-hidden");
    expect(text("#banner-nhs-number")).toBe("999 000 0255");
    expect(text("#patient-nhs-number")).toBe("999 000 0255");
  });
});

describe("what the live region says", () => {
  it("names the patient's current number and the headline", () => {
    expect(announcement(report("9990000247"))).toBe("Result for NHS number 999 000 0255: Chargeable.");
    expect(announcement(report("9990000018", { headline: "Likely chargeable" }))).toBe("Result for NHS number 999 000 0018: Likely chargeable.");
    expect(announcement(report("9990000042", { headline: null }))).toBe("Result for NHS number 999 000 0042: Not chargeable.");
  });

  it("says an error is an error, with its message", () => {
    expect(announcement(report("9990000220"))).toBe(
      "The check could not be completed for NHS number 999 000 0220. The Visitors and Migrants service has no record of this NHS number (PATIENT_NOT_FOUND).",
    );
    expect(announcement(report("9990000220", { error: null }))).toBe("The check could not be completed for NHS number 999 000 0220.");
    // An error outcome is an error even if it came with a colour; a missing colour is one too.
    expect(announcement(report("9990000018", { outcome: "error" }))).toBe("The check could not be completed for NHS number 999 000 0018.");
    expect(announcement(report("9990000018", { banner: null }))).toBe("The check could not be completed for NHS number 999 000 0018.");
  });
});

describe("an error is never a banner, whatever else it carries", () => {
  it("an error outcome that came with a colour still shows the error box only", () => {
    const r = { ...report("9990000220"), banner: "red" as BannerColour, headline: "Chargeable" };
    render(r);
    expect(document.getElementById("banner")).toBeNull();
    expect(document.querySelector("[class*='banner']")).toBeNull();
    expect(document.body.textContent).not.toContain("Chargeable");
    expect(document.getElementById("lookup-error")).not.toBeNull();
  });

  it("the error box says what happened, what to do and the number asked about", () => {
    render(report("9990000220"));
    expect(cls("#result")).toBe("vm-result vm-result--error");
    expect(must("#result").firstElementChild?.id).toBe("lookup-error");
    expect(text("#lookup-error-heading")).toBe("The check could not be completed");
    expect(text("#lookup-error-message")).toBe("The Visitors and Migrants service has no record of this NHS number (PATIENT_NOT_FOUND).");
    expect(text("#lookup-error-action")).toBe(
      "What to do: Check the NHS number. If it is right, contact the OVM team: the patient may need registering with the service.",
    );
    expect(must("#lookup-error-action strong").textContent).toBe("What to do: ");
    const asked = must("#lookup-error .nhsuk-error-summary__body > p:nth-child(3)");
    expect(asked.getAttribute("class")).toBe("nhsuk-body-s");
    expect(asked.textContent).toBe("NHS number asked about: 999 000 0220");
    // The patient PDS traced is still shown, to check it is the person in front of you.
    expect(text("#patient-name")).toBe("WRIGHT, Chloe (Ms)");
  });

  it("an error outcome without details says to try again", () => {
    render(report("9990000220", { error: null, patient: null }));
    expect(text("#lookup-error-message")).toBe("The check could not be completed.");
    expect(text("#lookup-error-action")).toBe("What to do: Try again. If it keeps happening, contact the service desk.");
    expect(document.getElementById("patient")).toBeNull();
    expect(text("#technical-facts")).not.toContain("Error code");
  });

  it("a rejected lookup command shows the same error box, with the trace id or else the code", () => {
    const error: IpcError = { code: "NOT_SIGNED_IN", message: "Sign in first", detail: null, trace_id: "abc-123" };
    document.body.replaceChildren(failureView("9990000018", error, "Sign in with your smartcard.", handlers));
    expect(document.getElementById("banner")).toBeNull();
    expect(cls("#result")).toBe("vm-result vm-result--error");
    expect(must("#result").firstElementChild?.id).toBe("lookup-error");
    expect(text("#lookup-error-heading")).toBe("The check could not be completed");
    expect(text("#lookup-error-message")).toBe("Sign in first.");
    expect(text("#lookup-error-action")).toBe("What to do: Sign in with your smartcard.");
    expect(must("#lookup-error-action strong").textContent).toBe("What to do: ");
    const asked = must("#lookup-error .nhsuk-error-summary__body > p:nth-child(3)");
    expect(asked.getAttribute("class")).toBe("nhsuk-body-s");
    expect(asked.textContent).toBe("NHS number asked about: 999 000 0018");
    expect(text("#trace-id")).toBe("abc-123");

    document.body.replaceChildren(failureView("9990000018", { ...error, trace_id: null }, "Sign in with your smartcard.", handlers));
    expect(document.getElementById("trace-id")).toBeNull();
    const code = must("#lookup-error .nhsuk-error-summary__body > p:nth-child(4)");
    expect(code.getAttribute("class")).toBe("nhsuk-body-s");
    expect(code.textContent).toBe("Error code: NOT_SIGNED_IN");
  });
});

describe("the patient block, element by element", () => {
  it("is a card headed Patient that asks to check the person", () => {
    render(report("9990000018"));
    const p = must("#patient");
    expect(p.tagName).toBe("SECTION");
    expect(p.getAttribute("class")).toBe("nhsuk-card vm-patient");
    expect(p.getAttribute("aria-labelledby")).toBe("patient-heading");
    expect(cls("#patient > div")).toBe("nhsuk-card__content");
    expect(cls("#patient-heading")).toBe("nhsuk-card__heading nhsuk-heading-m");
    expect(text("#patient-heading")).toBe("Patient");
    expect(cls("#patient-heading + p")).toBe("nhsuk-body-s vm-muted");
    expect(text("#patient-heading + p")).toBe("Check this is the person in front of you.");
    expect(Array.from(p.querySelectorAll("dt"), (dt) => dt.textContent)).toEqual(["Name", "NHS number", "Date of birth", "Gender", "Address"]);
  });

  it("puts each address line on its own line", () => {
    render(report("9990000018"));
    expect(must("#patient-address").innerHTML).toBe("14 Rosebery Avenue<br>Beeston<br>Leeds<br>LS11 6AD");
  });

  it("says an address is not known when PDS holds none", () => {
    render(withPatient("9990000018", { address: [] }));
    expect(must("#patient-address").innerHTML).toBe("Not known");
    render(withPatient("9990000018", { address: null }));
    expect(must("#patient-address").innerHTML).toBe("Not known");
  });

  it("withholds a restricted address in words", () => {
    render(report("9990000239"));
    expect(must("#patient-address").innerHTML).toBe('<span id="patient-address-withheld">Address withheld (restricted record)</span>');
  });

  it("tags a deceased patient", () => {
    render(report("9990000298"));
    expect(cls("#deceased-notice")).toBe("vm-deceased");
    expect(text("#deceased-notice")).toBe("Deceased This patient died on 2 November 2025.");
    expect(cls("#deceased-notice strong")).toBe("nhsuk-tag nhsuk-tag--grey");
    expect(text("#deceased-notice strong")).toBe("Deceased");
    render(report("9990000018"));
    expect(document.getElementById("deceased-notice")).toBeNull();
  });

  it("puts the identity warning in a warning callout", () => {
    render(withPatient("9990000018", { identity_warning: "PDS holds no date of birth for this patient." }));
    expect(cls("#identity-warning")).toBe("nhsuk-warning-callout vm-identity-warning");
    const label = must("#identity-warning h3");
    expect(label.getAttribute("class")).toBe("nhsuk-warning-callout__label");
    expect(must("span", label).getAttribute("role")).toBe("text");
    expect(label.textContent).toBe("Important: Confirm identity another way");
    expect(must("span > span", label).textContent).toBe("Important: ");
    expect(text("#identity-warning p")).toBe("PDS holds no date of birth for this patient.");
  });

  it("tags a historic name on a line of its own", () => {
    render(withPatient("9990000018", { name_note: "historic — ended 31 December 2021" }));
    expect(must("#patient-name").innerHTML).toBe(
      'TAYLOR, Mary (Miss)<br><strong class="nhsuk-tag nhsuk-tag--grey vm-historic" id="patient-name-note">historic — ended 31 December 2021</strong>',
    );
  });
});

describe("the trace line and the technical details", () => {
  it("shows the trace id with a Copy button and a status line", () => {
    const copy = vi.fn();
    const view = lookupView("9990000018", 1);
    document.body.replaceChildren(resultView(view, { copyTraceId: copy }));
    const line = must("#result > p.vm-trace");
    expect(line.getAttribute("class")).toBe("vm-trace nhsuk-body-s");
    expect(line.textContent).toBe("Ssp-TraceID 3f2c8b1e-7d4a-4c1e-9b2f-009990000018 Copy trace ID ");
    expect(cls("#result > p.vm-trace > span")).toBe("vm-trace__label");
    expect(cls("#trace-id")).toBe("vm-trace__id");
    expect(cls("#copy-status")).toBe("vm-trace__status");
    expect(must("#copy-status").getAttribute("role")).toBe("status");
    const button = must("#copy-trace-id");
    expect(button.getAttribute("class")).toBe("nhsuk-button nhsuk-button--secondary nhsuk-button--small");
    expect(button.innerHTML).toBe('Copy<span class="nhsuk-u-visually-hidden"> trace ID</span>');
    button.click();
    expect(copy).toHaveBeenCalledWith(must("#trace-id"), must("#copy-status"));
  });

  it("lists the facts of a status for the service desk", () => {
    render(report("9990000018"), '{"resourceType":"Bundle"}');
    expect(text("#technical-facts")).toBe(
      [
        "Outcome: status",
        "Basic status: Y",
        "Category: F",
        "Effective: 2026-02-03T10:15:00+00:00",
        "Ssp-TraceID: 3f2c8b1e-7d4a-4c1e-9b2f-009990000018",
      ].join("\n"),
    );
    render(report("9990000212"));
    expect(text("#technical-facts")).toBe("Outcome: no_record\nSsp-TraceID: 3f2c8b1e-7d4a-4c1e-9b2f-009990000212");
  });

  it("lists the error code and HTTP status of an error", () => {
    render(report("9990000220"));
    expect(text("#technical-facts")).toBe("Outcome: error\nError code: PATIENT_NOT_FOUND (HTTP 404)\nSsp-TraceID: 3f2c8b1e-7d4a-4c1e-9b2f-009990000220");
    const r = report("9990000220");
    render({ ...r, error: { ...r.error!, http: null } });
    expect(text("#technical-facts")).toBe("Outcome: error\nError code: PATIENT_NOT_FOUND\nSsp-TraceID: 3f2c8b1e-7d4a-4c1e-9b2f-009990000220");
  });

  it("folds the details away in an NHS.UK details element", () => {
    render(report("9990000018"), '{"resourceType":"Bundle"}');
    expect(cls("#technical-details")).toBe("nhsuk-details vm-technical");
    expect(cls("#technical-details > summary")).toBe("nhsuk-details__summary");
    expect(cls("#technical-details > summary > span")).toBe("nhsuk-details__summary-text");
    expect(text("#technical-details > summary")).toBe("Technical details");
    expect(cls("#technical-details > div")).toBe("nhsuk-details__text");
    expect(cls("#technical-details > div > p")).toBe("nhsuk-body-s");
    expect(text("#technical-details > div > p")).toBe("For the service desk.");
    expect(cls("#technical-facts")).toBe("vm-pre");
    expect(must("#technical-facts").tagName).toBe("PRE");
    const raw = must("#raw-response");
    expect(raw.getAttribute("class")).toBe("vm-pre");
    expect(raw.getAttribute("tabindex")).toBe("0");
    expect(raw.getAttribute("aria-label")).toBe("Raw response");
  });

  it("says when no response body was received", () => {
    render(report("9990000018"), null);
    expect(text("#raw-response")).toBe("No response body was received.");
  });
});

describe("role-based detail (RBAC)", () => {
  const WITHHELD =
    "The detail behind this status (its category, what that means and when it was last updated) is available to overseas visitor managers.";

  /** The red patient as the engine reports it to a role without the detail activity. */
  function restricted(): LookupReport {
    return report("9990000018", {
      view: "restricted",
      basic: null,
      category: null,
      category_display: null,
      category_definition: null,
      effective: null,
      effective_display: null,
      effective_older_than_12_months: false,
      detail_withheld: WITHHELD,
    });
  }

  it("a restricted role reads the banner and the withheld line, and nothing of the detail is in the DOM", () => {
    const full = report("9990000018");
    render(full);
    const definition = full.category_definition!;
    expect(document.body.textContent).toContain(definition);
    expect(document.querySelector("#technical-details")).not.toBeNull();
    expect(document.querySelector("#banner-detail-withheld")).toBeNull();

    render(restricted(), null);
    expect(text("#banner-headline")).toBe(full.headline);
    expect(must("#banner").getAttribute("data-colour")).toBe("red");
    expect(text("#banner-detail-withheld")).toBe(WITHHELD);
    expect(cls("#banner-detail-withheld")).toBe("banner__withheld");
    expect(document.querySelector("#banner-category")).toBeNull();
    expect(document.querySelector("#banner-updated")).toBeNull();
    expect(document.querySelector("#technical-details")).toBeNull();
    expect(document.body.innerHTML).not.toContain(definition);
    expect(document.body.innerHTML).not.toContain(full.effective_display!);
  });
});

describe("the result slip's buttons", () => {
  function withSlip(print: boolean, save: boolean) {
    return {
      ...handlers,
      slip: { print, save, printSlip: vi.fn(), saveSlip: vi.fn() },
    };
  }

  it("Print and Save as PDF act on the lookup shown, with a status line", () => {
    const h = withSlip(true, true);
    document.body.replaceChildren(resultView({ lookup_id: 7, report: report("9990000018"), raw_response: null }, h));
    expect(text("#print-slip")).toBe("Print");
    expect(text("#save-slip")).toBe("Save as PDF");
    expect(must("#slip-status").getAttribute("role")).toBe("status");
    expect(cls("#slip-status")).toBe("vm-slip__status");
    expect(cls("#slip-actions")).toBe("vm-slip nhsuk-body-s");
    expect(text("#slip-actions")).toBe("Print Save as PDF ");
    for (const id of ["#print-slip", "#save-slip"]) {
      expect(cls(id)).toBe("nhsuk-button nhsuk-button--secondary nhsuk-button--small");
    }
    must("#print-slip").click();
    expect(h.slip.printSlip).toHaveBeenCalledWith(7, must("#slip-status"));
    must("#save-slip").click();
    expect(h.slip.saveSlip).toHaveBeenCalledWith(7, must("#slip-status"));
  });

  it("only what this installation allows, and nothing without slip actions or for an error", () => {
    document.body.replaceChildren(resultView({ lookup_id: 1, report: report("9990000018"), raw_response: null }, withSlip(true, false)));
    expect(document.querySelector("#print-slip")).not.toBeNull();
    expect(document.querySelector("#save-slip")).toBeNull();
    document.body.replaceChildren(resultView({ lookup_id: 1, report: report("9990000018"), raw_response: null }, withSlip(false, false)));
    expect(document.querySelector("#slip-actions")).toBeNull();
    render(report("9990000018"));
    expect(document.querySelector("#slip-actions")).toBeNull();
    document.body.replaceChildren(resultView(lookupView("9990000220", 1), withSlip(true, true)));
    expect(document.querySelector("#slip-actions")).toBeNull();
  });
});
