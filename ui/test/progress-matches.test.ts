// The progress of a running lookup and the list of search matches, word for word and class
// for class. (Written to kill the mutants StrykerJS found surviving: `npm run mutants`.)

import { describe, expect, it, vi } from "vitest";
import type { SearchMatchView } from "../src/bindings/SearchMatchView";
import { MATCHES } from "../src/dev-fake";
import { matchesView, progressView } from "../src/views-result";

function must(selector: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`no element ${selector}`);
  return el;
}

const cls = (selector: string) => must(selector).getAttribute("class");
const text = (selector: string) => must(selector).textContent;

describe("the progress of a lookup", () => {
  it("names the number being checked and marks the first step current", () => {
    const cancel = vi.fn();
    document.body.replaceChildren(progressView("9990000018", null, cancel));
    const p = must("#progress");
    expect(p.getAttribute("class")).toBe("vm-progress");
    expect(p.getAttribute("aria-labelledby")).toBe("progress-heading");
    expect(cls("#progress-heading")).toBe("nhsuk-heading-m");
    expect(text("#progress-heading")).toBe("Checking NHS number 999 000 0018");
    const steps = must("#progress-steps");
    expect(steps.tagName).toBe("OL");
    expect(steps.getAttribute("class")).toBe("vm-steps");
    expect(steps.getAttribute("role")).toBe("status");
    expect(steps.getAttribute("aria-live")).toBe("polite");
    expect(Array.from(steps.children, (li) => li.textContent)).toEqual([
      "1Tracing the patient (in progress)",
      "2Finding the Spine endpoint (to do)",
      "3Checking visitor status (to do)",
    ]);
    expect(Array.from(steps.children, (li) => li.getAttribute("class"))).toEqual([
      "vm-step vm-step--current",
      "vm-step vm-step--pending",
      "vm-step vm-step--pending",
    ]);
    expect(Array.from(steps.children, (li) => li.getAttribute("aria-current"))).toEqual(["step", null, null]);
    const marker = must("#step-tracing > span");
    expect(marker.getAttribute("class")).toBe("vm-step__marker");
    expect(marker.getAttribute("aria-hidden")).toBe("true");
    expect(cls("#step-tracing > span:nth-child(2)")).toBe("vm-step__label");
    expect(cls("#step-tracing > span:nth-child(3)")).toBe("nhsuk-u-visually-hidden");

    const button = must("#cancel-lookup");
    expect(button.textContent).toBe("Cancel");
    expect(button.getAttribute("class")).toBe("nhsuk-button nhsuk-button--secondary");
    button.click();
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it("ticks the steps already done", () => {
    document.body.replaceChildren(progressView("9990000018", "querying", () => undefined));
    const steps = must("#progress-steps");
    expect(Array.from(steps.children, (li) => li.textContent)).toEqual([
      "Tracing the patient (done)",
      "Finding the Spine endpoint (done)",
      "3Checking visitor status (in progress)",
    ]);
    expect(Array.from(steps.children, (li) => (li as HTMLElement).dataset.state)).toEqual(["done", "done", "current"]);
    expect(Array.from(steps.children, (li) => li.getAttribute("aria-current"))).toEqual([null, null, "step"]);
    const tick = must("#step-tracing > span > [data-icon]");
    expect(tick.getAttribute("data-icon")).toBe("tick");
    expect(tick.getAttribute("class")).toBe("vm-step__icon vm-icon--tick");
    expect(document.querySelector("#step-querying [data-icon]")).toBeNull();
  });
});

describe("the progress of a hospital number's lookup", () => {
  it("starts with the trust's record, then the steps of any lookup", () => {
    document.body.replaceChildren(progressView("RRK0000018", null, () => undefined));
    expect(text("#progress-heading")).toBe("Checking hospital number RRK0000018");
    const steps = () => Array.from(must("#progress-steps").children, (li) => li.textContent);
    expect(steps()).toEqual([
      "1Finding the trust's record (in progress)",
      "2Tracing the patient (to do)",
      "3Finding the Spine endpoint (to do)",
      "4Checking visitor status (to do)",
    ]);
    expect(must("#step-finding_record").dataset.state).toBe("current");
    document.body.replaceChildren(progressView("RRK0000018", "tracing", () => undefined));
    expect(steps()).toEqual([
      "Finding the trust's record (done)",
      "2Tracing the patient (in progress)",
      "3Finding the Spine endpoint (to do)",
      "4Checking visitor status (to do)",
    ]);
  });
});

describe("search matches", () => {
  it("says plainly when no patient was found, and how to search again", () => {
    document.body.replaceChildren(matchesView([], () => undefined));
    const r = must("#search-results");
    expect(r.getAttribute("class")).toBe("vm-matches");
    expect(r.querySelector("table")).toBeNull();
    const heading = must("#search-results-heading");
    expect(heading.tagName).toBe("H2");
    expect(heading.getAttribute("class")).toBe("nhsuk-heading-m");
    expect(heading.getAttribute("tabindex")).toBe("-1");
    expect(heading.textContent).toBe("No patients found");
    expect(text("#search-results > p")).toBe(
      "Check the details are correct, or try with fewer details (for example without the given name or postcode).",
    );
  });

  it("counts the patients found in the table's caption", () => {
    document.body.replaceChildren(matchesView(MATCHES, () => undefined));
    const caption = must("#search-results-heading");
    expect(caption.tagName).toBe("CAPTION");
    expect(caption.getAttribute("class")).toBe("nhsuk-table__caption nhsuk-table__caption--m");
    expect(caption.getAttribute("tabindex")).toBe("-1");
    expect(caption.textContent).toBe("3 patients found");
    document.body.replaceChildren(matchesView([MATCHES[0]!], () => undefined));
    expect(text("#search-results-heading")).toBe("1 patient found");
  });

  it("is an NHS.UK table with a header per column", () => {
    document.body.replaceChildren(matchesView(MATCHES, () => undefined));
    expect(cls("#search-results")).toBe("vm-matches");
    expect(cls("#search-results > table")).toBe("nhsuk-table vm-matches__table");
    expect(cls("thead")).toBe("nhsuk-table__head");
    expect(cls("thead > tr")).toBe("nhsuk-table__row");
    const headers = Array.from(document.querySelectorAll("thead th"));
    expect(headers.map((th) => th.textContent)).toEqual(["Name", "NHS number", "Date of birth", "Gender", "Postcode", "Match", "Action"]);
    for (const th of headers) {
      expect(th.getAttribute("class")).toBe("nhsuk-table__header");
      expect(th.getAttribute("scope")).toBe("col");
    }
    expect(headers[5]!.innerHTML).toBe("Match");
    expect(headers[6]!.innerHTML).toBe('<span class="nhsuk-u-visually-hidden">Action</span>');
    expect(cls("tbody")).toBe("nhsuk-table__body");
  });

  it("shows each patient's details in a row headed by their name", () => {
    const pick = vi.fn();
    document.body.replaceChildren(matchesView(MATCHES, pick));
    const row = must("#match-9990000018");
    expect(row.getAttribute("class")).toBe("nhsuk-table__row");
    const th = must("th", row);
    expect(th.getAttribute("class")).toBe("nhsuk-table__header");
    expect(th.getAttribute("scope")).toBe("row");
    expect(th.textContent).toBe("TAYLOR, Mary (Miss)");
    const cells = Array.from(row.querySelectorAll("td"));
    expect(cells.map((td) => td.textContent)).toEqual(["999 000 0018", "11 February 1998", "Female", "LS11 6AD", "100%", "Check TAYLOR, Mary (Miss)"]);
    expect(cells.map((td) => td.getAttribute("class"))).toEqual([
      "nhsuk-table__cell vm-nowrap",
      "nhsuk-table__cell",
      "nhsuk-table__cell",
      "nhsuk-table__cell",
      "nhsuk-table__cell",
      "nhsuk-table__cell",
    ]);
    const button = must("#pick-9990000018");
    expect(button.getAttribute("class")).toBe("nhsuk-button nhsuk-button--secondary nhsuk-button--small");
    expect(button.innerHTML).toBe('Check<span class="nhsuk-u-visually-hidden"> TAYLOR, Mary (Miss)</span>');
    button.click();
    expect(pick).toHaveBeenCalledWith("9990000018");
  });

  it("tags a restricted record and a name that is not current, and withholds the postcode", () => {
    const matches: SearchMatchView[] = [{ ...MATCHES[0]!, name_note: "historic — ended 31 December 2021" }, MATCHES[2]!];
    document.body.replaceChildren(matchesView(matches, () => undefined));
    expect(must("#match-9990000018 th").innerHTML).toBe(
      'TAYLOR, Mary (Miss) <strong class="nhsuk-tag nhsuk-tag--grey">Name historic — ended 31 December 2021</strong>',
    );
    expect(must("#match-9990000239 th").innerHTML).toBe('GREEN, Hannah (Ms) <strong class="nhsuk-tag nhsuk-tag--grey">Restricted</strong>');
    expect(must("#match-9990000239 td:nth-of-type(4)").textContent).toBe("Withheld");
  });

  it("says a postcode is not known, and shows scores as percentages or as given", () => {
    const matches: SearchMatchView[] = [
      { ...MATCHES[1]!, postcode: null, score: null },
      { ...MATCHES[0]!, score: 17 },
    ];
    document.body.replaceChildren(matchesView(matches, () => undefined));
    const cells = (id: string) => Array.from(document.querySelectorAll(`#match-${id} td`), (td) => td.textContent);
    expect(cells("9990000158")[3]).toBe("Not known");
    expect(cells("9990000158")[4]).toBe("—");
    expect(cells("9990000018")[4]).toBe("17");
    document.body.replaceChildren(matchesView([MATCHES[1]!], () => undefined));
    expect(cells("9990000158")[4]).toBe("84%");
  });
});
