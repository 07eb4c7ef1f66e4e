import { describe, expect, it } from "vitest";
import type { LookupReport } from "../src/bindings/LookupReport";
import type { PatientReport } from "../src/bindings/PatientReport";
import { MATCHES, REPORTS } from "../src/dev-fake";
import { FUTURE_DATE_HEADING, FUTURE_DATE_WARNING, matchesView, resultView } from "../src/views-result";

const handlers = { copyTraceId: () => undefined };

function render(report: LookupReport): HTMLElement {
  document.body.replaceChildren(resultView({ lookup_id: 1, report, raw_response: "{}" }, handlers));
  return document.body;
}

function withPatient(extra: Partial<PatientReport>): LookupReport {
  const base = REPORTS["9990000042"]!;
  return { ...base, patient: { ...base.patient!, ...extra } };
}

const text = (id: string) => document.getElementById(id)?.textContent ?? null;

describe("the patient block shows what is current, and says what is not", () => {
  it("shows current details without a note", () => {
    render(REPORTS["9990000042"]!);
    expect(document.getElementById("patient-name-note")).toBeNull();
    expect(document.getElementById("patient-address-note")).toBeNull();
    expect(document.getElementById("identity-warning")).toBeNull();
  });

  it("marks an ended name and address as historic, with the day they ended", () => {
    render(withPatient({ name_note: "historic — ended 31 December 2021", address_note: "historic — ended 31 December 2021" }));
    expect(text("patient-name-note")).toBe("historic — ended 31 December 2021");
    expect(text("patient-address-note")).toBe("historic — ended 31 December 2021");
    expect(document.getElementById("patient-name")!.contains(document.getElementById("patient-name-note"))).toBe(true);
    expect(document.getElementById("patient-address")!.contains(document.getElementById("patient-address-note"))).toBe(true);
  });

  it("never notes an address that is withheld", () => {
    render(withPatient({ restricted: true, address: null, address_note: "historic — ended 31 December 2021" }));
    expect(document.getElementById("patient-address-note")).toBeNull();
    expect(text("patient-address")).toContain("Address withheld");
  });

  it("says exactly what is missing and to confirm identity another way", () => {
    const warning = "PDS holds no name and no date of birth for this patient. Confirm the patient's identity another way before relying on the status.";
    render(withPatient({ name: "", birth_date: null, missing: ["name", "date of birth"], identity_warning: warning }));
    expect(text("identity-warning")).toContain(warning);
    expect(text("identity-warning")).toContain("Confirm identity another way");
    expect(text("patient-name")).toBe("Not held by PDS");
    expect(text("patient-birth-date")).toBe("Not held by PDS");
    // The warning sits in the patient block, next to what it is about.
    expect(document.getElementById("patient")!.contains(document.getElementById("identity-warning"))).toBe(true);
  });
});

describe("a status last updated in the future", () => {
  it("is shown with a warning, never silently", () => {
    render({ ...REPORTS["9990000042"]!, effective_in_future: true });
    const warning = document.getElementById("future-date-warning")!;
    expect(warning.textContent).toContain(FUTURE_DATE_HEADING);
    expect(warning.textContent).toContain(FUTURE_DATE_WARNING);
    // Next to the banner it qualifies.
    expect(warning.previousElementSibling?.id).toBe("banner");
  });

  it("has no warning when the date is not in the future", () => {
    render(REPORTS["9990000042"]!);
    expect(document.getElementById("future-date-warning")).toBeNull();
  });
});

describe("search matches", () => {
  it("say when the name shown is not current, and when PDS holds none", () => {
    const matches = [
      { ...MATCHES[0]!, name_note: "historic — ended 31 December 2021" },
      { ...MATCHES[1]!, name: "" },
    ];
    document.body.replaceChildren(matchesView(matches, () => undefined));
    expect(document.getElementById(`match-${matches[0]!.nhs_number}`)!.textContent).toContain("Name historic — ended 31 December 2021");
    expect(document.getElementById(`match-${matches[1]!.nhs_number}`)!.textContent).toContain("Name not held by PDS");
  });
});
