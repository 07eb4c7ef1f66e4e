// Development only (never in the production bundle): runs the real UI in a plain browser with
// a fake IPC and canned results, for screenshots and trying the flows by hand.
// Open dev.html?scenario=NAME[&mode=kiosk|desk|training][&training=0|1]; see SCENARIOS below
// (or name the scenario in <body data-scenario="NAME">, where a query cannot be given).
// Passcode "1234" signs in; "0000" is wrong. Canned NHS numbers are the sandbox's test patients.

import { startApp } from "./app";
import type { AppInfo } from "./bindings/AppInfo";
import type { JobSummary } from "./bindings/JobSummary";
import type { ResultRow } from "./bindings/ResultRow";
import type { RowCheck } from "./bindings/RowCheck";
import type { WorklistPreview } from "./bindings/WorklistPreview";
import type { WorklistProgress } from "./bindings/WorklistProgress";
import type { LockReason } from "./bindings/LockReason";
import type { LookupReport } from "./bindings/LookupReport";
import type { LookupView } from "./bindings/LookupView";
import type { PatientReport } from "./bindings/PatientReport";
import type { PinState } from "./bindings/PinState";
import type { ProgressEvent } from "./bindings/ProgressEvent";
import type { Role } from "./bindings/Role";
import type { SearchMatchView } from "./bindings/SearchMatchView";
import type { SessionEvent } from "./bindings/SessionEvent";
import type { SessionView } from "./bindings/SessionView";
import type { Ipc } from "./ipc";

export const ROLES: Role[] = [
  { role_profile_id: "555021936109", job_role: "Overseas Visitor Manager", job_role_code: "S8000:G8001:R8006", ods_code: "RRK", business_functions: ["B0259"] },
  { role_profile_id: "555021936110", job_role: "Admin & Clerical", job_role_code: "S8000:G8001:R8001", ods_code: "RRK", business_functions: [] },
];

export function appInfo(mode: AppInfo["mode"] = "training", training = true): AppInfo {
  return {
    mode,
    environment: training ? "sandbox" : "integration",
    training,
    version: "0.1.0",
    organisation: { ods_code: "RRK", name: "University Hospitals Birmingham NHS Foundation Trust" },
    client_asid: "200000000359",
    pds_base_url: training ? "http://127.0.0.1:47100/personal-demographics/FHIR/R4" : "https://int.api.service.nhs.uk/personal-demographics/FHIR/R4",
    sds_url: training ? "ldap://127.0.0.1:47101" : "ldaps://ldap.vn03.national.ncrs.nhs.uk",
    vandm_endpoint: null,
    kiosk: { result_clear_secs: 60, idle_lock_secs: 120 },
    idle_lock_secs: mode === "kiosk" ? 120 : 900,
    preferences: mode === "desk" ? { format: "json", idle_lock_minutes: 15, log_level: "info", locked: [], max_idle_lock_minutes: null, max_log_level: null } : null,
    print_slip: mode !== "kiosk",
    save_slip: mode !== "kiosk",
  };
}

export function session(state: SessionView["state"], extra: Partial<SessionView> = {}): SessionView {
  const signedIn = state === "ready" || state === "choose_role";
  return {
    state,
    training: true,
    reader: state === "no_service" || state === "no_reader" ? null : "Virtual PCD 00 00",
    readers: state === "no_service" || state === "no_reader" ? [] : ["Virtual PCD 00 00", "Virtual PCD 00 01"],
    pin: state === "card_present" ? { state: "tries_left", tries: 3 } : signedIn ? { state: "verified" } : null,
    user: signedIn ? { uuid: "555021935107", name: "Jo Bloggs" } : null,
    roles: signedIn ? ROLES : [],
    role: state === "ready" ? (ROLES[0] ?? null) : null,
    certificate_warning: null,
    locked_reason: null,
    ...extra,
  };
}

function patient(nhs: string, name: string, birth: string, gender: string, address: string[] | null, extra: Partial<PatientReport> = {}): PatientReport {
  return {
    nhs_number: nhs,
    name,
    name_note: null,
    birth_date: birth,
    gender,
    address,
    address_note: null,
    missing: [],
    identity_warning: null,
    restricted: false,
    deceased: null,
    superseded_from: null,
    ...extra,
  };
}

const CATEGORY: Record<string, [string, string]> = {
  A: ["Standard NHS", "Ordinarily resident in the UK (according to the domestic Charging Regulations)."],
  B: ["Surcharge Payee (or exempt)", "Resident in UK, in possession of a valid visa AND (surcharge paid OR exempt)."],
  D: ["Chargeable EEA", "Ordinarily resident in another EEA country AND (No EHIC/PRC/S2 OR not exempt)."],
  F: ["Chargeable non-EEA", "Not ordinarily resident in the UK or EEA, not paid, not exempt by personal status or treatment."],
  DECISION_PENDING: ["Decision Pending", "Awaiting confirmation of charging status."],
};

function status(
  nhs: string,
  p: PatientReport | null,
  banner: LookupReport["banner"],
  headline: string,
  basic: string | null,
  category: string | null,
  effective: string,
  effectiveDisplay: string,
  old: boolean,
): LookupReport {
  const cat = category ? CATEGORY[category] : undefined;
  return {
    nhs_number: nhs,
    outcome: "status",
    banner,
    headline,
    basic,
    category,
    category_display: cat?.[0] ?? null,
    category_definition: cat?.[1] ?? null,
    effective,
    effective_display: effectiveDisplay,
    effective_older_than_12_months: old,
    effective_in_future: false,
    exemption_reminder: banner === "red" || banner === "amber",
    patient: p,
    error: null,
    trace_id: traceId(nhs),
    view: "full",
    detail_withheld: null,
  };
}

function traceId(nhs: string): string {
  const tail = nhs.padStart(12, "0").slice(-12);
  return `3f2c8b1e-7d4a-4c1e-9b2f-${tail}`;
}

const taylor = patient("9990000018", "TAYLOR, Mary (Miss)", "1998-02-11", "female", ["14 Rosebery Avenue", "Beeston", "Leeds", "LS11 6AD"]);
const obrien = patient("9990000042", "O'BRIEN, Margaret Anne (Mrs)", "1951-12-09", "female", ["41 Station Road", "Horfield", "Bristol", "BS7 8PQ"]);
const hussain = patient("9990000107", "HUSSAIN, Fatima (Mrs)", "1990-06-21", "female", ["9 Spring Gardens", "Bradford", "BD1 3HE"]);
const evans = patient("9990000212", "EVANS, David (Mr)", "1965-10-30", "male", ["2 Castle Street", "Cardiff", "CF10 1BS"]);
const rossi = patient("9990000026", "ROSSI, Luca (Mr)", "1988-07-14", "male", ["Flat 3", "22 Albion Street", "Leeds", "LS1 6AG"]);
const green = patient("9990000239", "GREEN, Hannah (Ms)", "2001-04-17", "female", null, { restricted: true });
const hughes = patient("9990000255", "HUGHES, Elizabeth (Mrs)", "1947-01-05", "female", ["88 Hyde Park Road", "Leeds", "LS6 1AF"], { superseded_from: "9990000247" });
const bennett = patient("9990000298", "BENNETT, Arthur (Mr)", "1939-09-12", "male", ["5 Mill Lane", "York", "YO1 7HH"], { deceased: "2025-11-02" });
const wright = patient("9990000220", "WRIGHT, Chloe (Ms)", "1995-08-08", "female", ["30 Queen Street", "Sheffield", "S1 2DX"]);

export const REPORTS: Record<string, LookupReport> = {
  "9990000018": status("9990000018", taylor, "red", "Chargeable", "Y", "F", "2026-02-03T10:15:00+00:00", "3 February 2026", false),
  "9990000026": status("9990000026", rossi, "red", "Chargeable", "Y", "D", "2019-05-20T09:30:00+00:00", "20 May 2019", true),
  "9990000042": status("9990000042", obrien, "green", "Not chargeable", "N", "A", "2025-09-14T11:00:00+00:00", "14 September 2025", false),
  "9990000107": status("9990000107", hussain, "amber", "Decision pending", "U", "DECISION_PENDING", "2026-01-20T16:45:00+00:00", "20 January 2026", false),
  "9990000212": {
    ...status("9990000212", evans, "grey", "No overseas visitor record (this does not mean the patient is exempt)", null, null, "", "", false),
    outcome: "no_record",
    effective: null,
    effective_display: null,
    exemption_reminder: false,
  },
  "9990000239": status("9990000239", green, "green", "Not chargeable", "N", "A", "2025-03-02T09:00:00+00:00", "2 March 2025", false),
  "9990000247": { ...status("9990000247", hughes, "red", "Chargeable", "Y", "F", "2025-07-01T12:00:00+00:00", "1 July 2025", false) },
  "9990000298": status("9990000298", bennett, "red", "Chargeable", "Y", "F", "2024-06-11T08:20:00+00:00", "11 June 2024", true),
  "9990000220": {
    ...status("9990000220", wright, null, "", null, null, "", "", false),
    outcome: "error",
    banner: null,
    headline: null,
    effective: null,
    effective_display: null,
    exemption_reminder: false,
    error: {
      http: 404,
      code: "PATIENT_NOT_FOUND",
      message: "The Visitors and Migrants service has no record of this NHS number (PATIENT_NOT_FOUND).",
      action: "Check the NHS number. If it is right, contact the OVM team: the patient may need registering with the service.",
    },
  },
};

function rawResponse(r: LookupReport): string | null {
  if (r.outcome === "error") {
    return JSON.stringify(
      {
        resourceType: "OperationOutcome",
        issue: [{ severity: "error", code: "not-found", details: { coding: [{ system: "https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1", code: r.error?.code, display: "Patient not found" }] } }],
      },
      null,
      2,
    );
  }
  if (r.outcome === "no_record") return JSON.stringify({ resourceType: "Bundle", type: "searchset", total: 0, entry: [] }, null, 2);
  const component = (code: string, system: string, value: string | null) =>
    value === null
      ? null
      : { code: { coding: [{ system: "https://fhir.nhs.uk/spine-vm-observation-component-1", code }] }, valueCodeableConcept: { coding: [{ system, code: value }] } };
  const nhs = r.patient?.nhs_number ?? r.nhs_number;
  return JSON.stringify(
    {
      resourceType: "Bundle",
      type: "searchset",
      entry: [
        {
          resource: {
            resourceType: "Observation",
            status: "final",
            subject: { reference: `Patient/${nhs}`, display: r.patient?.name },
            effectiveDateTime: r.effective,
            component: [
              component("BASIC_CHARGEABLE_STATUS", "https://fhir.nhs.uk/spine-chargeable-status-1", r.basic),
              component("CATEGORY_CHARGEABLE_STATUS", "https://fhir.nhs.uk/spine-category-status-1", r.category),
            ].filter(Boolean),
          },
        },
      ],
    },
    null,
    2,
  );
}

export function lookupView(nhs: string, lookupId: number): LookupView {
  const report =
    REPORTS[nhs] ??
    ({
      nhs_number: nhs,
      outcome: "error",
      banner: null,
      headline: null,
      basic: null,
      category: null,
      category_display: null,
      category_definition: null,
      effective: null,
      effective_display: null,
      effective_older_than_12_months: false,
      effective_in_future: false,
      exemption_reminder: false,
      patient: null,
      error: {
        http: 404,
        code: "RESOURCE_NOT_FOUND",
        message: "PDS has no patient with this NHS number.",
        action: "Check the NHS number, or search by the patient's details instead.",
      },
      trace_id: traceId(nhs),
      view: "full",
      detail_withheld: null,
    } satisfies LookupReport);
  return { lookup_id: lookupId, report, raw_response: rawResponse(report) };
}

export const MATCHES: SearchMatchView[] = [
  { nhs_number: "9990000018", name: "TAYLOR, Mary (Miss)", birth_date: "1998-02-11", gender: "female", postcode: "LS11 6AD", name_note: null, restricted: false, score: 1 },
  { nhs_number: "9990000158", name: "TAYLOR, Emily (Miss)", birth_date: "1998-02-11", gender: "female", postcode: "LS6 2QT", name_note: null, restricted: false, score: 0.84 },
  { nhs_number: "9990000239", name: "GREEN, Hannah (Ms)", birth_date: "1998-02-11", gender: "female", postcode: null, name_note: null, restricted: true, score: 0.61 },
];

// ---- the worklist ------------------------------------------------------------------------

export const WORKLIST_HEADERS = ["NHS No", "Hosp No", "Surname", "Forename", "DOB", "Sex", "Postcode", "Ward"];

/** A list as the PAS exports it: every banner colour, a mismatch, an error and a bad row. */
export const WORKLIST_ROWS: string[][] = [
  ["999 000 0042", "H1001", "O'Brien", "Margaret", "09/12/1951", "F", "BS7 8PQ", "Ward 7"],
  ["999 000 0018", "H1002", "Taylor", "Mary", "11/02/1998", "F", "LS11 6AD", "Ward 7"],
  ["999 000 0107", "H1003", "Hussain", "Fatima", "21/06/1990", "F", "BD1 3HE", "Ward 9"],
  ["999 000 0212", "H1004", "Evans", "David", "30/10/1965", "M", "CF10 1BS", "Clinic 2"],
  ["999 000 0239", "H1005", "Green", "Hannah", "01/01/1980", "F", "", "Ward 9"],
  ["999 000 0220", "H1006", "Wright", "Chloe", "08/08/1995", "F", "S1 2DX", "Ward 7"],
  ["999 000 0019", "H1007", "Smith", "John", "01/02/1970", "M", "LS1 1AA", "Ward 7"],
];

export function worklistPreview(fileName = "admissions.csv"): WorklistPreview {
  return {
    preview_id: "preview-1",
    file_name: fileName,
    headers: WORKLIST_HEADERS,
    rows: WORKLIST_ROWS.slice(0, 5),
    header_row: 1,
    row_count: WORKLIST_ROWS.length,
    mapping: { nhs_number: 0, hospital_number: 1, family_name: 2, given_name: 3, birth_date: 4, gender: 5, postcode: 6, ward_or_clinic: 7 },
    fields: [
      ["nhs_number", "NHS number"],
      ["hospital_number", "hospital number"],
      ["family_name", "family name"],
      ["given_name", "given name"],
      ["full_name", "full name"],
      ["birth_date", "date of birth"],
      ["gender", "gender"],
      ["postcode", "postcode"],
      ["admission_date", "admission date"],
      ["ward_or_clinic", "ward or clinic"],
    ].map(([key, label]) => ({ key: key ?? "", label: label ?? "" })),
  };
}

const MATCH = { result: "match", note: null };

function rowCheck(nhs: string, settled = true): RowCheck {
  const report = REPORTS[nhs] ?? lookupView(nhs, 0).report;
  const error = report.outcome === "error";
  return {
    nhs_number: nhs,
    superseded_from: null,
    outcome: report.outcome,
    banner: report.banner,
    shown: report.banner && !settled ? "amber" : report.banner,
    headline: settled ? report.headline : "Check identity: the list's details differ from PDS",
    status_headline: report.headline,
    basic: report.basic,
    category: report.category,
    effective: report.effective,
    error_code: report.error?.code ?? null,
    error_message: report.error?.message ?? null,
    trace_id: report.trace_id,
    checked_at: 1772445600,
    cross_check: error ? null : { family: MATCH, given: MATCH, birth_date: settled ? MATCH : { result: "mismatch", note: null }, gender: MATCH, postcode: settled ? MATCH : { result: "not_known", note: null } },
    identity_settled: settled,
    found_by_search: false,
    report,
  };
}

/** The results of the canned list, in the engine's order: red, amber and mismatches first. */
export function worklistResults(): ResultRow[] {
  const row = (n: number, check: RowCheck | null, problem: string | null = null): ResultRow => ({ row_number: n, cells: WORKLIST_ROWS[n - 2] ?? [], check, problem, duplicate_of: null });
  return [
    row(3, rowCheck("9990000018")),
    row(4, rowCheck("9990000107")),
    row(6, rowCheck("9990000239", false)),
    row(7, rowCheck("9990000220")),
    row(8, null, "the NHS number 999 000 0019 fails its check digit"),
    row(5, rowCheck("9990000212")),
    row(2, rowCheck("9990000042")),
  ];
}

export function jobSummary(state: JobSummary["state"], done = 7, id = "job-1", source = "admissions.csv"): JobSummary {
  const total = WORKLIST_ROWS.length;
  const counts = { total, pending: total - done, done: Math.max(0, done - 1), problems: done > 0 ? 1 : 0, duplicates: 0 };
  const all = done >= total;
  return {
    id,
    source,
    state,
    counts,
    outcomes: all ? { red: 1, amber: 2, green: 1, grey: 1, errors: 2, mismatches: 1 } : { red: done > 1 ? 1 : 0, amber: 0, green: done > 0 ? 1 : 0, grey: 0, errors: done > 0 ? 1 : 0, mismatches: 0 },
  };
}

interface FakeOptions {
  info: AppInfo;
  session: SessionView;
  /** Milliseconds per lookup step; `Infinity` leaves the lookup running. */
  stepMs: number;
  /** Stop after this step (to show progress). */
  holdAt?: ProgressEvent["step"];
}

/** An interactive fake of the shell. */
export function fakeIpc(o: FakeOptions): Ipc & { emit(e: SessionEvent): void; lock(reason: LockReason): void } {
  let view = o.session;
  let tries = view.pin?.state === "tries_left" ? view.pin.tries : 3;
  const sessionHandlers: Array<(e: SessionEvent) => void> = [];
  const progressHandlers: Array<(e: ProgressEvent) => void> = [];
  const worklistHandlers: Array<(e: WorklistProgress) => void> = [];
  let job: JobSummary | null = null;
  let run = 0;
  const cancelled = new Set<number>();
  const emit = (e: SessionEvent) => sessionHandlers.forEach((h) => h(e));
  const change = (v: SessionView) => {
    view = v;
    emit({ event: "changed", view });
  };
  const reject = (code: string, message: string) => Promise.reject({ code, message, detail: null, trace_id: null });
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const lock = (reason: LockReason) => {
    view = session(reason === "card_removed" ? "waiting_for_card" : "card_present", { training: o.session.training, locked_reason: reason });
    emit({ event: "locked", reason });
    emit({ event: "changed", view });
  };
  return {
    emit,
    lock,
    appInfo: async () => o.info,
    sessionView: async () => view,
    queryTries: async (): Promise<PinState> => (tries <= 0 ? { state: "blocked" } : { state: "tries_left", tries }),
    signIn: async (passcode, confirmLastTry) => {
      await wait(300);
      if (view.pin?.state === "blocked") return reject("CARD_BLOCKED", "This card is locked after too many wrong passcodes. Go to your Registration Authority to have it unlocked");
      if (tries === 1 && !confirmLastTry) return reject("CONFIRM_LAST_TRY", "One try is left: a wrong passcode will lock the card. Confirm to continue");
      const outcome = new URLSearchParams(location.search).get("signin");
      if (outcome === "expired") return reject("CERTIFICATE_EXPIRED", "Your smartcard's certificate has expired. Go to your Registration Authority to renew it");
      if (outcome === "no-role") return reject("NO_ROLE", "You have no role at this organisation in the Spine directory. Ask your Registration Authority to add one");
      if (passcode !== "1234") {
        tries--;
        if (tries <= 0) {
          change({ ...view, pin: { state: "blocked" } });
          return reject("CARD_BLOCKED", "This card is locked after too many wrong passcodes. Go to your Registration Authority to have it unlocked");
        }
        change({ ...view, pin: { state: "tries_left", tries } });
        return reject("WRONG_PASSCODE", `The passcode is wrong. ${tries} ${tries === 1 ? "try" : "tries"} left before the card is locked`);
      }
      tries = 3;
      view = session("choose_role", { training: o.session.training, certificate_warning: o.session.certificate_warning });
      return view;
    },
    chooseRole: async (id) => {
      view = { ...session("ready", { training: o.session.training, certificate_warning: o.session.certificate_warning }), role: ROLES.find((r) => r.role_profile_id === id) ?? null };
      return view;
    },
    signOut: async () => {
      lock("signed_out");
      return null;
    },
    touch: async () => null,
    lookup: async (nhs, id) => {
      const steps: Array<ProgressEvent["step"]> = [
        ...(/^\d{10}$/.test(nhs) ? [] : (["finding_record"] as const)),
        "tracing",
        "finding_endpoint",
        "querying",
      ];
      for (const step of steps) {
        if (cancelled.has(id)) break;
        progressHandlers.forEach((h) => h({ lookup_id: id, step }));
        if (step === o.holdAt) await new Promise(() => undefined);
        await wait(o.stepMs);
      }
      return lookupView(nhs, id);
    },
    cancelLookup: async (id) => {
      cancelled.add(id);
      return null;
    },
    searchPatients: async () => {
      await wait(300);
      return MATCHES;
    },
    saveSettings: async (preferences) => ({ ...o.info, preferences }),
    checkComputer: async () => ({
      checks: [
        { id: "config", title: "Configuration", verdict: "pass", detail: "valid: the training sandbox (environment sandbox)", fix: null },
        { id: "smartcard", title: "Smartcard readers", verdict: "fail", detail: "the PC/SC service (pcscd) is not running", fix: "Start it: sudo systemctl enable --now pcscd.socket" },
        { id: "clock", title: "Clock", verdict: "warn", detail: "PDS: 45 s ahead", fix: "Set the clock from the network time service." },
        { id: "central_audit", title: "Central audit", verdict: "skip", detail: "not configured", fix: null },
      ],
    }),
    onSession: async (h) => {
      sessionHandlers.push(h);
      return () => undefined;
    },
    onLookupProgress: async (h) => {
      progressHandlers.push(h);
      return () => undefined;
    },
    worklistPreview: async (fileName) => {
      await wait(200);
      return worklistPreview(fileName);
    },
    worklistCreate: async () => {
      job = jobSummary("paused", 0);
      return job;
    },
    worklistStart: async (id) => {
      const me = ++run;
      let done = job?.counts.total === undefined ? 0 : job.counts.total - job.counts.pending;
      job = { ...jobSummary("running", done, id) };
      void (async () => {
        while (done < WORKLIST_ROWS.length) {
          await wait(Math.max(o.stepMs, 50) * 4);
          if (me !== run) return;
          done++;
          job = jobSummary("running", done, id);
          worklistHandlers.forEach((h) => h({ summary: job as JobSummary, finished: false, error: null }));
        }
        job = jobSummary("done", done, id);
        worklistHandlers.forEach((h) => h({ summary: job as JobSummary, finished: true, error: null }));
      })();
      return job;
    },
    worklistPause: async (id) => {
      run++;
      job = jobSummary("paused", job ? job.counts.total - job.counts.pending : 0, id);
      const summary = job;
      setTimeout(() => worklistHandlers.forEach((h) => h({ summary, finished: true, error: null })), 100);
      return { ...summary, state: "running" };
    },
    worklistCancel: async (id) => {
      run++;
      job = jobSummary("cancelled", job ? job.counts.total - job.counts.pending : 0, id);
      return job;
    },
    worklistJobs: async () => [jobSummary("done", 7, "job-0", "ward-7-monday.xlsx"), ...(job ? [job] : [])],
    worklistResults: async () => worklistResults(),
    worklistExport: async (_id, format) => ({ path: `/home/ovm/Documents/admissions-results-2026-03-02.${format}`, rows: WORKLIST_ROWS.length }),
    saveSlip: async () => ({ path: "/home/ovm/Documents/result-slip-2026-03-02.pdf" }),
    printSlip: async () => null,
    onWorklistProgress: async (h) => {
      worklistHandlers.push(h);
      return () => undefined;
    },
  };
}

// ---- scenarios for screenshots ----------------------------------------------------------

type Step = (ipc: ReturnType<typeof fakeIpc>) => Promise<void> | void;

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel);
const until = async <T>(fn: () => T | null | undefined, ms = 5000): Promise<T> => {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error("timeout");
    await new Promise((r) => setTimeout(r, 20));
  }
};
const type = async (sel: string, value: string) => {
  const input = await until(() => $<HTMLInputElement>(sel));
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
};
const submit = async (sel: string) => (await until(() => $<HTMLFormElement>(sel))).requestSubmit();
const lookup = (nhs: string, waitFor = "#banner, #lookup-error"): Step => async () => {
  await type("#nhs-number", nhs);
  await submit("#lookup-form");
  await until(() => $(waitFor));
};

const SCENARIOS: Record<string, { state: SessionView["state"]; extra?: Partial<SessionView>; steps?: Step[]; holdAt?: ProgressEvent["step"] }> = {
  "signin-no-service": { state: "no_service" },
  "signin-no-reader": { state: "no_reader" },
  "signin-waiting": { state: "waiting_for_card" },
  "signin-passcode": { state: "card_present" },
  "signin-wrong": { state: "card_present", steps: [async () => { await type("#passcode", "0000"); await submit("#sign-in-form"); await until(() => $("#passcode-error")); }] },
  "signin-last-try": { state: "card_present", extra: { pin: { state: "tries_left", tries: 1 } } },
  "signin-last-try-unconfirmed": { state: "card_present", extra: { pin: { state: "tries_left", tries: 1 } }, steps: [async () => { await type("#passcode", "9999"); await submit("#sign-in-form"); }] },
  "signin-blocked": { state: "card_present", extra: { pin: { state: "blocked" } } },
  "choose-role": { state: "choose_role", extra: { certificate_warning: "Your smartcard certificate expires on 14 March 2026. Go to your Registration Authority to renew it before then." } },
  ready: { state: "ready", extra: { certificate_warning: "Your smartcard certificate expires on 14 March 2026. Go to your Registration Authority to renew it before then." } },
  "nhs-invalid": { state: "ready", steps: [() => type("#nhs-number", "9900002831")] },
  // What bench/desktop.sh does in the app — sign in, choose a role, one lookup — for
  // bench/page-memory.sh, which shows this page in the bench's bare window.
  "desk-flow": {
    state: "card_present",
    steps: [
      async () => {
        await type("#passcode", "1234");
        await submit("#sign-in-form");
        (await until(() => $<HTMLInputElement>("#roles input"))).click();
        await submit("#role-form");
        await until(() => $("#nhs-number"));
      },
      lookup("9990000018"),
    ],
  },
  "result-red": { state: "ready", steps: [lookup("9990000018")] },
  "result-red-stale": { state: "ready", steps: [lookup("9990000026")] },
  "result-green": { state: "ready", steps: [lookup("9990000042")] },
  "result-amber": { state: "ready", steps: [lookup("9990000107")] },
  "result-grey": { state: "ready", steps: [lookup("9990000212")] },
  "result-restricted": { state: "ready", steps: [lookup("9990000239")] },
  "result-superseded": { state: "ready", steps: [lookup("9990000247")] },
  "result-deceased": { state: "ready", steps: [lookup("9990000298")] },
  "result-details": { state: "ready", steps: [lookup("9990000018"), () => { const d = $<HTMLDetailsElement>("#technical-details"); if (d) d.open = true; }] },
  error: { state: "ready", steps: [lookup("9990000220")] },
  progress: { state: "ready", holdAt: "finding_endpoint", steps: [lookup("9990000018", "#step-finding_endpoint[data-state=current]")] },
  search: {
    state: "ready",
    steps: [
      async () => {
        const d = await until(() => $<HTMLDetailsElement>("#search-details"));
        d.open = true;
        await type("#search-family", "Taylor");
        await type("#search-dob-day", "11");
        await type("#search-dob-month", "2");
        await type("#search-dob-year", "1998");
        const g = $<HTMLSelectElement>("#search-gender");
        if (g) g.value = "female";
        await submit("#search-form");
        await until(() => $("#search-results"));
      },
    ],
  },
  "search-errors": { state: "ready", steps: [async () => { const d = await until(() => $<HTMLDetailsElement>("#search-details")); d.open = true; await submit("#search-form"); }] },
  settings: { state: "ready", steps: [async () => (await until(() => $<HTMLButtonElement>("#settings-link"))).click()] },
  locked: { state: "ready", steps: [lookup("9990000018"), (ipc) => ipc.lock("card_removed")] },
  worklist: {
    state: "ready",
    steps: [
      async () => (await until(() => $<HTMLButtonElement>("#worklist-link"))).click(),
      async () => (await until(() => $<HTMLButtonElement>("#wl-job-0"))).click(),
      async () => {
        await until(() => $("#worklist-table"));
      },
    ],
  },
};

function boot(): void {
  const params = new URLSearchParams(location.search);
  const name = params.get("scenario") ?? document.body.dataset.scenario ?? "signin-waiting";
  const scenario = SCENARIOS[name] ?? SCENARIOS["signin-waiting"]!;
  const mode = (params.get("mode") as AppInfo["mode"] | null) ?? "training";
  const training = params.get("training") !== null ? params.get("training") === "1" : mode === "training";
  const info = appInfo(mode, training);
  const view = session(scenario.state, { training, ...scenario.extra });
  const ipc = fakeIpc({ info, session: view, stepMs: Number(params.get("stepMs") ?? 150), holdAt: scenario.holdAt });
  startApp(document.body, ipc);
  void (async () => {
    for (const step of scenario.steps ?? []) await step(ipc);
    document.body.setAttribute("data-scenario-ready", name);
  })().catch((e: unknown) => {
    document.body.setAttribute("data-scenario-error", String(e));
  });
}

if (typeof window !== "undefined" && document.body?.dataset.devFake === "auto") boot();
