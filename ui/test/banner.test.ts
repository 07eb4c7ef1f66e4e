import { describe, expect, it } from "vitest";
import type { BannerColour } from "../src/bindings/BannerColour";
import type { LookupReport } from "../src/bindings/LookupReport";
import { lookupView, REPORTS } from "../src/dev-fake";
import { EXEMPTION_REMINDER, resultView } from "../src/views-result";

const handlers = { copyTraceId: () => undefined };

function render(report: LookupReport): HTMLElement {
  document.body.replaceChildren(resultView({ lookup_id: 1, report, raw_response: "{}" }, handlers));
  return document.body;
}

function withBanner(colour: BannerColour, headline: string, nhs: string): LookupReport {
  const base = REPORTS["9990000018"]!;
  return { ...base, banner: colour, headline, nhs_number: nhs, patient: { ...base.patient!, nhs_number: nhs }, exemption_reminder: colour === "red" || colour === "amber" };
}

describe("the banner is never colour alone", () => {
  it.each([
    ["red", "cross", "Chargeable", "9990000018"],
    ["green", "tick", "Not chargeable", "9990000042"],
    ["amber", "warning", "Decision pending", "9990000107"],
    ["grey", "info", "No overseas visitor record (this does not mean the patient is exempt)", "9990000212"],
  ] as const)("%s: class, icon, headline words and the NHS number", (colour, iconName, headline, nhs) => {
    render(withBanner(colour, headline, nhs));
    const banner = document.getElementById("banner")!;
    expect(banner.classList.contains(`banner--${colour}`)).toBe(true);
    for (const other of ["red", "green", "amber", "grey"].filter((c) => c !== colour)) {
      expect(banner.classList.contains(`banner--${other}`)).toBe(false);
    }
    const icon = banner.querySelector("[data-icon]")!;
    expect(icon.getAttribute("data-icon")).toBe(iconName);
    expect(icon.getAttribute("aria-hidden")).toBe("true");
    expect(document.getElementById("banner-headline")!.textContent).toBe(headline);
    const formatted = `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`;
    expect(document.getElementById("banner-nhs-number")!.textContent).toBe(formatted);
    expect(banner.contains(document.getElementById("banner-nhs-number"))).toBe(true);
  });

  it("shows the exemption reminder for red and amber only", () => {
    render(withBanner("red", "Chargeable", "9990000018"));
    expect(document.getElementById("exemption-reminder")!.textContent).toContain(EXEMPTION_REMINDER);
    render(withBanner("amber", "Decision pending", "9990000107"));
    expect(document.getElementById("exemption-reminder")).not.toBeNull();
    render(withBanner("green", "Not chargeable", "9990000042"));
    expect(document.getElementById("exemption-reminder")).toBeNull();
  });

  it("shows the category, its definition and the date of the latest update", () => {
    render(REPORTS["9990000018"]!);
    expect(document.getElementById("banner-category")!.textContent).toBe(
      "Category F: Chargeable non-EEA. Not ordinarily resident in the UK or EEA, not paid, not exempt by personal status or treatment.",
    );
    expect(document.getElementById("banner-updated")!.textContent).toBe("Last updated 3 February 2026");
    expect(document.getElementById("stale-hint")).toBeNull();
  });

  it("hints plainly when the update is older than 12 months", () => {
    render(REPORTS["9990000026"]!);
    expect(document.getElementById("stale-hint")!.textContent).toMatch(/more than 12 months ago/);
  });

  it("belongs to the new number when PDS replaced the one asked for", () => {
    render(REPORTS["9990000247"]!);
    expect(document.getElementById("banner-nhs-number")!.textContent).toBe("999 000 0255");
    expect(document.getElementById("superseded-notice")!.textContent).toContain("NHS number 999 000 0247 has been replaced by 999 000 0255");
  });
});

describe("the patient block", () => {
  it("shows name, number, date of birth, gender and address", () => {
    render(REPORTS["9990000018"]!);
    const p = document.getElementById("patient")!;
    expect(p.textContent).toContain("TAYLOR, Mary (Miss)");
    expect(document.getElementById("patient-nhs-number")!.textContent).toBe("999 000 0018");
    expect(document.getElementById("patient-birth-date")!.textContent).toBe("11 February 1998");
    expect(document.getElementById("patient-gender")!.textContent).toBe("Female");
    expect(document.getElementById("patient-address")!.textContent).toBe("14 Rosebery AvenueBeestonLeedsLS11 6AD");
  });
  it("withholds the address of a restricted record", () => {
    render(REPORTS["9990000239"]!);
    expect(document.getElementById("patient-address")!.textContent).toBe("Address withheld (restricted record)");
  });
  it("says when the patient has died", () => {
    render(REPORTS["9990000298"]!);
    expect(document.getElementById("deceased-notice")!.textContent).toContain("died on 2 November 2025");
  });
});

describe("an error is never a banner", () => {
  it("shows the message, the action and the trace id, and no banner", () => {
    const view = lookupView("9990000220", 7);
    document.body.replaceChildren(resultView(view, handlers));
    expect(document.getElementById("lookup-error")).not.toBeNull();
    expect(document.getElementById("lookup-error-message")!.textContent).toContain("no record of this NHS number");
    expect(document.getElementById("lookup-error-action")!.textContent).toContain("Check the NHS number");
    expect(document.getElementById("trace-id")!.textContent).toBe(view.report.trace_id);
    expect(document.getElementById("banner")).toBeNull();
    expect(document.querySelector(".banner, [class*='banner--']")).toBeNull();
  });
  it("treats a report without a banner colour as an error too", () => {
    const report = { ...REPORTS["9990000018"]!, banner: null };
    document.body.replaceChildren(resultView({ lookup_id: 1, report, raw_response: null }, handlers));
    expect(document.getElementById("banner")).toBeNull();
  });
});

describe("technical details", () => {
  it("hold the raw response in a <pre> inside a <details>", () => {
    document.body.replaceChildren(resultView({ lookup_id: 1, report: REPORTS["9990000018"]!, raw_response: '{"resourceType":"Bundle"}' }, handlers));
    const details = document.getElementById("technical-details")!;
    expect(details.tagName).toBe("DETAILS");
    expect(details.querySelector("pre#raw-response")!.textContent).toBe('{"resourceType":"Bundle"}');
  });
});
