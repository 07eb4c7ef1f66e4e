// The Worklist screen (desk only): choosing a list, confirming its columns, following the check
// (progress, pause, resume, cancel), the results (order, filter, colour + icon + words), a row in
// the usual result view, export — and the safety rules: a lock forgets everything it held and a
// late answer is never shown; a mismatch is never shown as settled; an error is never a banner.

import { describe, expect, it } from "vitest";
import type { App } from "../src/app";
import type { JobSummary } from "../src/bindings/JobSummary";
import { jobSummary, worklistPreview, worklistResults } from "../src/dev-fake";
import { CHECK_IDENTITY, matchesFilter, rowKind, type WorklistScreen } from "../src/views-worklist";
import { $, bodyHtml, type FakeIpc, flush, must, startApp } from "./helpers";

interface Internals {
  worklist: WorklistScreen | null;
  screen: string;
}
const internals = (app: App) => app as unknown as Internals;
const screenState = (w: WorklistScreen) => w as unknown as { results: unknown; job: unknown; stage: { kind: string } };

/** Waits for FileReader and the promise chain behind it. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 0));
    await flush();
  }
}

async function openWorklist(ipc: FakeIpc, jobs: JobSummary[] = []): Promise<void> {
  must("#worklist-link").click();
  expect($("#worklist")).not.toBeNull();
  await ipc.answer("worklist_jobs", jobs);
}

async function chooseFile(name = "admissions.csv", text = "NHS No,Surname\n9990000018,Taylor\n"): Promise<void> {
  const input = must<HTMLInputElement>("#worklist-file");
  const file = new File([text], name, { type: "text/csv" });
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  input.dispatchEvent(new Event("change", { bubbles: true }));
  await settle();
}

/** Opens a finished job with the canned results (every colour, a mismatch, an error, a bad row). */
async function showResults(ipc: FakeIpc): Promise<void> {
  await openWorklist(ipc, [jobSummary("done")]);
  must("#wl-job-0").click();
  expect(ipc.worklistResults).toHaveBeenCalledWith("job-1");
  await ipc.answer("worklist_results", worklistResults());
  expect($("#worklist-table")).not.toBeNull();
}

const kinds = () => Array.from(document.querySelectorAll<HTMLElement>("#worklist-table tbody tr")).map((r) => r.dataset.kind);

describe("the Worklist screen", () => {
  it("is offered at a desk once signed in, never at a kiosk", async () => {
    await startApp({ mode: "desk" });
    expect($("#worklist-link")).not.toBeNull();
    await startApp({ mode: "kiosk" });
    expect($("#worklist-link")).toBeNull();
    await startApp({ mode: "desk", state: "card_present" });
    expect($("#worklist-link")).toBeNull();
  });

  it("reads a chosen file, proposes the mapping, creates and starts the job with the mapping confirmed", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    await openWorklist(ipc);
    expect(must("#worklist-no-jobs").textContent).toContain("no lists");
    await chooseFile();
    const [name, bytes] = ipc.pending("worklist_preview").args as [string, Uint8Array];
    expect(name).toBe("admissions.csv");
    expect(new TextDecoder().decode(bytes)).toContain("9990000018,Taylor");
    await ipc.answer("worklist_preview", worklistPreview());
    expect(must("#worklist-heading").textContent).toBe("Confirm the columns");
    expect(must("#worklist-file-summary").textContent).toBe("admissions.csv: 7 patient rows.");
    expect(must<HTMLSelectElement>("#map-nhs_number").value).toBe("0");
    expect(must<HTMLSelectElement>("#map-full_name").value).toBe("");
    expect(must("label[for=map-birth_date]").textContent).toBe("Date of birth");
    expect(document.querySelectorAll("#worklist-sample tbody tr")).toHaveLength(5);
    // The user moves the ward to the admission date's place: one column holds one field.
    const admission = must<HTMLSelectElement>("#map-admission_date");
    admission.value = "7";
    admission.dispatchEvent(new Event("change", { bubbles: true }));
    expect(must<HTMLSelectElement>("#map-ward_or_clinic").value).toBe("");
    must("#worklist-confirm").click();
    const [previewId, mapping] = ipc.pending("worklist_create").args as [string, Record<string, number>];
    expect(previewId).toBe("preview-1");
    expect(mapping).toEqual({ nhs_number: 0, hospital_number: 1, family_name: 2, given_name: 3, birth_date: 4, gender: 5, postcode: 6, admission_date: 7 });
    await ipc.answer("worklist_create", jobSummary("paused", 0));
    expect(ipc.worklistStart).toHaveBeenCalledWith("job-1");
    await ipc.answer("worklist_start", jobSummary("running", 0));
    expect(must("#worklist-state").textContent).toBe("Checking");
    expect($("#worklist-pause")).not.toBeNull();
    expect(must("#worklist-results-waiting").textContent).toContain("when the check pauses or finishes");
  });

  it("shows progress with counts per outcome, then the results when the run ends", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    await openWorklist(ipc, [jobSummary("paused", 0)]);
    must("#wl-job-0").click();
    await ipc.answer("worklist_results", []);
    must("#worklist-resume").click();
    await ipc.answer("worklist_start", jobSummary("running", 0));
    ipc.worklistProgress({ summary: jobSummary("running", 3), finished: false, error: null });
    expect(must("#worklist-progress-text").textContent).toBe("3 of 7 rows done");
    expect(must<HTMLProgressElement>("#worklist-progress-bar").getAttribute("value")).toBe("3");
    expect(must("#worklist-count-red").dataset.count).toBe("1");
    expect(must("#worklist-count-green").textContent).toContain("Not chargeable");
    expect(must("#worklist-count-pending").dataset.count).toBe("4");
    // Another job's events are not this one's.
    ipc.worklistProgress({ summary: jobSummary("running", 6, "job-2"), finished: false, error: null });
    expect(must("#worklist-progress-text").textContent).toBe("3 of 7 rows done");
    ipc.worklistProgress({ summary: jobSummary("done", 7), finished: true, error: null });
    expect(must("#worklist-state").textContent).toBe("Finished");
    expect(must("#announcer").textContent).toContain("finished: 7 of 7 rows done");
    await ipc.answer("worklist_results", worklistResults());
    expect(kinds()).toEqual(["red", "amber", "mismatch", "error", "problem", "grey", "green"]);
  });

  it("pauses after the checks in flight, then resumes", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    await openWorklist(ipc, [jobSummary("running", 2)]);
    must("#wl-job-0").click();
    expect(ipc.worklistResults).not.toHaveBeenCalled();
    must("#worklist-pause").click();
    expect(ipc.worklistPause).toHaveBeenCalledWith("job-1");
    await ipc.answer("worklist_pause", jobSummary("running", 2));
    expect(must("#worklist-state").textContent).toContain("Stopping");
    expect($("#worklist-pause")).toBeNull();
    ipc.worklistProgress({ summary: jobSummary("paused", 3), finished: true, error: null });
    expect(must("#worklist-state").textContent).toBe("Paused");
    await ipc.answer("worklist_results", worklistResults().slice(0, 3));
    expect(kinds()).toHaveLength(3);
    must("#worklist-resume").click();
    await ipc.answer("worklist_start", jobSummary("running", 3));
    expect(must("#worklist-state").textContent).toBe("Checking");
  });

  it("shows each row with colour, icon and words, red, amber and mismatches first; filters and sorts", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    await showResults(ipc);
    const red = must("#wl-row-3");
    expect(red.querySelector(".vm-tag--red [data-icon=cross]")).not.toBeNull();
    expect(red.textContent).toContain("Chargeable");
    expect(red.textContent).toContain("999 000 0018");
    const mismatch = must("#wl-row-6");
    expect(mismatch.querySelector(".vm-tag--amber [data-icon=warning]")).not.toBeNull();
    expect(mismatch.textContent).toContain(CHECK_IDENTITY);
    expect(mismatch.textContent).toContain("date of birth");
    expect(mismatch.textContent).not.toContain("Not chargeable");
    const error = must("#wl-row-7");
    expect(error.querySelector(".vm-tag--error")).not.toBeNull();
    expect(error.querySelector(".vm-tag--red, .vm-tag--green, .vm-tag--amber, .vm-tag--grey")).toBeNull();
    expect(must("#wl-row-8").textContent).toContain("fails its check digit");
    expect($("#wl-open-8")).toBeNull();

    const filter = must<HTMLSelectElement>("#worklist-filter");
    filter.value = "mismatch";
    filter.dispatchEvent(new Event("change", { bubbles: true }));
    expect(kinds()).toEqual(["mismatch"]);
    filter.value = "amber";
    filter.dispatchEvent(new Event("change", { bubbles: true }));
    expect(kinds()).toEqual(["amber", "mismatch"]);
    filter.value = "not_checked";
    filter.dispatchEvent(new Event("change", { bubbles: true }));
    expect(kinds()).toEqual(["error", "problem"]);
    filter.value = "all";
    filter.dispatchEvent(new Event("change", { bubbles: true }));
    const sort = must<HTMLSelectElement>("#worklist-sort");
    sort.value = "row";
    sort.dispatchEvent(new Event("change", { bubbles: true }));
    expect(Array.from(document.querySelectorAll("#worklist-table tbody th")).map((t) => t.textContent)).toEqual(["2", "3", "4", "5", "6", "7", "8"]);
  });

  it("opens a row in the usual result view: that row's NHS number on the banner", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    await showResults(ipc);
    must("#wl-open-3").click();
    expect(must("#worklist-row-heading").textContent).toContain("Row 3");
    expect(must("#banner").className).toContain("banner--red");
    expect(must("#banner-nhs-number").textContent).toBe("999 000 0018");
    expect(must("#patient").textContent).toContain("TAYLOR");
    must("#worklist-back").click();
    expect($("#worklist-table")).not.toBeNull();
    expect($("#banner")).toBeNull();
  });

  it("never shows a mismatch row as settled: amber, Check identity, no status words", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    await showResults(ipc);
    must("#wl-open-6").click();
    expect(must("#identity-mismatch").textContent).toContain("date of birth differs from PDS");
    expect(must("#banner").className).toContain("banner--amber");
    expect(must("#banner-headline").textContent).toBe(CHECK_IDENTITY);
    expect(must("#banner-nhs-number").textContent).toBe("999 000 0239");
    expect($(".banner--green")).toBeNull();
    expect(must("#worklist-row").textContent).not.toContain("Not chargeable");
  });

  it("shows an error row as an error, never a banner", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    await showResults(ipc);
    must("#wl-open-7").click();
    expect($("#lookup-error")).not.toBeNull();
    expect($("#banner, .banner")).toBeNull();
  });

  it("exports CSV and XLSX through the engine and says where", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    await showResults(ipc);
    must("#worklist-export-csv").click();
    expect(ipc.worklistExport).toHaveBeenCalledWith("job-1", "csv");
    await ipc.answer("worklist_export", { path: "/home/ovm/Documents/admissions-results-2026-03-02.csv", rows: 7 });
    expect(must("#worklist-exported").textContent).toBe("7 rows saved to /home/ovm/Documents/admissions-results-2026-03-02.csv.");
    must("#worklist-export-xlsx").click();
    expect(ipc.worklistExport).toHaveBeenLastCalledWith("job-1", "xlsx");
    await ipc.fail("worklist_export", { code: "AUDIT_UNAVAILABLE", message: "The audit log cannot be written", detail: null, trace_id: null });
    expect(must("#worklist-export-error").textContent).toContain("The audit log cannot be written.");
  });

  it("says why a file or a mapping is refused, and keeps the mapping to correct", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    await openWorklist(ipc);
    await chooseFile("notes.docx");
    await ipc.fail("worklist_preview", { code: "WORKLIST_FILE", message: "This is not a CSV or XLSX file", detail: "Export the list from the PAS again as CSV or XLSX.", trace_id: null });
    expect(must("#worklist-error-message").textContent).toBe("This is not a CSV or XLSX file.");
    expect(must("#worklist-error").textContent).toContain("Export the list from the PAS again");
    await chooseFile();
    await ipc.answer("worklist_preview", worklistPreview());
    must("#worklist-confirm").click();
    await ipc.fail("worklist_create", { code: "WORKLIST_FILE", message: "choose the NHS number column, or the family name, date of birth and gender columns", detail: null, trace_id: null });
    expect(must("#worklist-error-message").textContent).toContain("choose the NHS number column");
    expect($("#map-nhs_number")).not.toBeNull();
  });
});

describe("a lock on the Worklist screen", () => {
  it("forgets the results and the row open, from the screen and from memory", async () => {
    const { app, ipc } = await startApp({ mode: "desk" });
    await showResults(ipc);
    must("#wl-open-3").click();
    const screen = internals(app).worklist!;
    expect(screen).not.toBeNull();
    ipc.lock("card_removed");
    expect(internals(app).worklist).toBeNull();
    expect(internals(app).screen).toBe("main");
    expect(screenState(screen).results).toBeNull();
    expect(screenState(screen).job).toBeNull();
    expect(screen.element.childNodes).toHaveLength(0);
    const html = bodyHtml();
    for (const gone of ["TAYLOR", "999 000 0018", "9990000018", "admissions.csv", "worklist-table", "Chargeable"]) {
      expect(html).not.toContain(gone);
    }
    expect($("#worklist")).toBeNull();
    expect(must("#lock-message").textContent).toContain("smartcard was removed");
  });

  it("forgets a list being previewed", async () => {
    const { app, ipc } = await startApp({ mode: "desk" });
    await openWorklist(ipc);
    await chooseFile();
    await ipc.answer("worklist_preview", worklistPreview());
    const screen = internals(app).worklist!;
    ipc.lock("idle_timeout");
    expect(screenState(screen).stage.kind).toBe("start");
    expect(bodyHtml()).not.toContain("O'Brien");
    expect(bodyHtml()).not.toContain("H1001");
  });

  it("drops results and progress that arrive after it", async () => {
    const { app, ipc } = await startApp({ mode: "desk" });
    await openWorklist(ipc, [jobSummary("done")]);
    must("#wl-job-0").click();
    const screen = internals(app).worklist!;
    ipc.lock("card_removed");
    await ipc.answer("worklist_results", worklistResults());
    ipc.worklistProgress({ summary: jobSummary("done"), finished: true, error: null });
    await flush();
    expect(screenState(screen).results).toBeNull();
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect($("#worklist-table")).toBeNull();
    // Signed in again: the lookup screen, nothing of the list; the job is opened afresh.
    ipc.emit({ event: "changed", view: { ...ipc.view, state: "ready", user: { uuid: "555021935107", name: "Jo Bloggs" } } });
    expect($("#nhs-number")).not.toBeNull();
    expect($("#worklist-table")).toBeNull();
  });

  it("leaving for Check a patient forgets the list too", async () => {
    const { app, ipc } = await startApp({ mode: "desk" });
    await showResults(ipc);
    must("#lookup-link").click();
    expect(internals(app).worklist).toBeNull();
    expect($("#nhs-number")).not.toBeNull();
    expect(bodyHtml()).not.toContain("TAYLOR");
  });
});

describe("rows", () => {
  it("are judged as the engine judged them", () => {
    const rows = worklistResults();
    expect(rows.map(rowKind)).toEqual(["red", "amber", "mismatch", "error", "problem", "grey", "green"]);
    expect(rows.filter((r) => matchesFilter(r, "green")).map((r) => r.row_number)).toEqual([2]);
  });
});
