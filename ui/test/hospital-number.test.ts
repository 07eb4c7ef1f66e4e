import { describe, expect, it } from "vitest";
import { lookupView } from "../src/dev-fake";
import { describeHospitalNumber, matchesHospitalNumber } from "../src/hospital-number";
import { failureView, resultView } from "../src/views-result";
import { $, bodyHtml, flush, lookUp, must, startApp, type } from "./helpers";

const PATTERN = "RRK#######";

describe("hospital number forms", () => {
  it("matches the trust's form: # a digit, letters in either case, nothing more or less", () => {
    expect(matchesHospitalNumber(PATTERN, "RRK0000018")).toBe(true);
    expect(matchesHospitalNumber(PATTERN, " rrk0000018 ")).toBe(true);
    for (const bad of ["RRK000001", "RRK00000188", "RRX0000018", "RRK00000A8", "9990000018", ""]) {
      expect(matchesHospitalNumber(PATTERN, bad)).toBe(false);
    }
    expect(matchesHospitalNumber("RX-##/#", "rx-12/3")).toBe(true);
    expect(matchesHospitalNumber("RX-##/#", "RX-12-3")).toBe(false);
  });

  it("describes the form in words", () => {
    expect(describeHospitalNumber(PATTERN)).toBe("RRK followed by 7 digits");
    expect(describeHospitalNumber("#########")).toBe("9 digits");
    expect(describeHospitalNumber("R#")).toBe("R followed by 1 digit");
    expect(describeHospitalNumber("RX-##/#")).toBe("the form RX-##/# (each # a digit)");
  });
});

describe("the lookup field with hospital numbers", () => {
  it("sends a hospital number of the trust's form, without complaining while it is typed", async () => {
    const { ipc } = await startApp({ info: { hospital_number_pattern: PATTERN } });
    expect(must("label[for='nhs-number']").textContent).toContain("NHS number or hospital number");
    expect(bodyHtml()).toContain("a hospital number: RRK followed by 7 digits");
    type("#nhs-number", "rrk00");
    expect($("#nhs-number-error")).toBeNull();
    lookUp("rrk0000018");
    expect(ipc.lookups.map((l) => l.nhs)).toEqual(["RRK0000018"]);
    expect(must("#progress-heading").textContent).toBe("Checking hospital number RRK0000018");
  });

  it("refuses a number of another form before anything is sent, saying what the form is", async () => {
    const { ipc } = await startApp({ info: { hospital_number_pattern: PATTERN } });
    lookUp("RRK12");
    expect(ipc.lookups).toHaveLength(0);
    expect(must("#nhs-number-error").textContent).toContain(
      "This is not a hospital number of this trust: a hospital number is RRK followed by 7 digits",
    );
    // NHS numbers are still checked as before.
    lookUp("9900002831");
    expect(ipc.lookups).toHaveLength(0);
    expect(must("#nhs-number-error").textContent).toMatch(/not a valid NHS number/);
    lookUp("9990000018");
    expect(ipc.lookups.map((l) => l.nhs)).toEqual(["9990000018"]);
  });

  it("without [care_connect] a hospital number is not an NHS number and is never sent", async () => {
    const { ipc } = await startApp();
    expect(must("label[for='nhs-number']").textContent).not.toContain("hospital number");
    lookUp("RRK0000018");
    expect(ipc.lookups).toHaveLength(0);
    expect(must("#nhs-number-error").textContent).toMatch(/only numbers/);
  });

  it("shows which hospital number the result came from, and warns when PDS holds another NHS number", async () => {
    const { ipc } = await startApp({ info: { hospital_number_pattern: PATTERN } });
    lookUp("RRK0000247");
    const l = ipc.lookups[0]!;
    const view = lookupView("9990000018", l.id);
    view.report = {
      ...view.report,
      hospital_number: "RRK0000247",
      trust_nhs_number: "9990000247",
      hospital_number_warning: "PDS holds this patient under a different NHS number from the one the trust's records give for this hospital number.",
    };
    l.d.resolve(view);
    await flush();
    expect(must("#hospital-number-notice").textContent).toContain(
      "Hospital number RRK0000247: the trust's records give NHS number 999 000 0247.",
    );
    expect(must("#hospital-number-warning").textContent).toContain("Check the NHS number");
    expect(must("#hospital-number-warning").textContent).toContain("different NHS number");
    expect($("#banner")).not.toBeNull();
  });

  it("names the hospital number asked about when the trust's service refuses it", async () => {
    const { ipc } = await startApp({ info: { hospital_number_pattern: PATTERN } });
    lookUp("RRK8000001");
    const l = ipc.lookups[0]!;
    const view = lookupView("RRK8000001", l.id);
    view.report.error = {
      http: 200,
      code: "CARE_CONNECT_SEVERAL_PATIENTS",
      message: "No NHS number was checked: 2 patients have this hospital number in the trust's patient administration system, so none is chosen.",
      action: "Do not guess which patient is meant: enter the patient's NHS number, and tell the records team about this hospital number.",
    };
    l.d.resolve(view);
    await flush();
    expect($("#banner")).toBeNull();
    expect(bodyHtml()).toContain("Hospital number asked about: RRK8000001");
    expect(bodyHtml()).toContain("so none is chosen");
  });

  it("says the hospital number alone when the trust's number is not known, as a notice", () => {
    const view = lookupView("9990000018", 1);
    view.report = { ...view.report, hospital_number: "RRK0000247" };
    delete view.report.trust_nhs_number;
    delete view.report.hospital_number_warning;
    document.body.replaceChildren(resultView(view, { copyTraceId: () => undefined }));
    const notice = must("#hospital-number-notice");
    expect(notice.textContent).toBe("Information: Hospital number RRK0000247.");
    expect(notice.classList).toContain("nhsuk-inset-text");
  });

  it("calls only ten digits an NHS number in an error: anything longer or shorter is a hospital number", () => {
    const error = { code: "CARE_CONNECT_NOT_FOUND" as const, message: "Not found", detail: null, trace_id: null };
    for (const [asked, words] of [
      ["9990000018", "NHS number asked about: 999 000 0018"],
      ["A9990000018", "Hospital number asked about: A9990000018"],
      ["9990000018A", "Hospital number asked about: 9990000018A"],
    ] as const) {
      document.body.replaceChildren(failureView(asked, error, "Check the number.", { copyTraceId: () => undefined }));
      expect(bodyHtml()).toContain(words);
    }
  });
});
