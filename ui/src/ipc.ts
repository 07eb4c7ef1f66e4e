// The one place the UI talks to the Tauri shell. Every command is wrapped in a typed function;
// the rest of the UI only sees the `Ipc` interface, so tests and the dev page pass a fake.
// The UI never talks to the network: only these commands (the events too: `events.ts`).

import { invoke as tauriInvoke, isTauri } from "@tauri-apps/api/core";
import type { AppInfo } from "./bindings/AppInfo";
import type { EventBatch } from "./bindings/EventBatch";
import type { ExportFormat } from "./bindings/ExportFormat";
import type { JobSummary } from "./bindings/JobSummary";
import type { ResultRow } from "./bindings/ResultRow";
import type { SlipSaved } from "./bindings/SlipSaved";
import type { WorklistExport } from "./bindings/WorklistExport";
import type { WorklistPreview } from "./bindings/WorklistPreview";
import type { WorklistProgress } from "./bindings/WorklistProgress";
import type { Preferences } from "./bindings/Preferences";
import type { DoctorReport } from "./bindings/DoctorReport";
import type { IpcError } from "./bindings/IpcError";
import type { LookupView } from "./bindings/LookupView";
import type { PinState } from "./bindings/PinState";
import type { ProgressEvent } from "./bindings/ProgressEvent";
import type { SearchMatchView } from "./bindings/SearchMatchView";
import type { SearchTerms } from "./bindings/SearchTerms";
import type { SessionEvent } from "./bindings/SessionEvent";
import type { SessionView } from "./bindings/SessionView";

import { eventStreams, type Unlisten } from "./events";

export type { Unlisten } from "./events";
/** The header naming the file whose bytes `worklist_preview` receives as its raw body. */
export const FILE_NAME_HEADER = "x-vmcheck-file-name";

/** A worklist's column mapping: field key (`nhs_number`…) → column index. */
export type ColumnMapping = Record<string, number>;

export interface Ipc {
  appInfo(): Promise<AppInfo>;
  sessionView(): Promise<SessionView>;
  queryTries(): Promise<PinState>;
  /** Rejects with an `IpcError` (WRONG_PASSCODE, CONFIRM_LAST_TRY, CARD_BLOCKED, …). */
  signIn(passcode: string, confirmLastTry: boolean): Promise<SessionView>;
  chooseRole(roleProfileId: string): Promise<SessionView>;
  signOut(): Promise<null>;
  touch(): Promise<null>;
  /** Errors of the lookup itself come back inside `report.outcome === "error"`. */
  lookup(nhsNumber: string, lookupId: number): Promise<LookupView>;
  cancelLookup(lookupId: number): Promise<null>;
  searchPatients(terms: SearchTerms): Promise<SearchMatchView[]>;
  saveSettings(preferences: Preferences): Promise<AppInfo>;
  /** "Check this computer": the same checks as `vmcheck doctor` (no patient data). */
  checkComputer(): Promise<DoctorReport>;
  onSession(handler: (event: SessionEvent) => void): Promise<Unlisten>;
  onLookupProgress(handler: (event: ProgressEvent) => void): Promise<Unlisten>;
  // The worklist (desk only). Each rejects with an `IpcError`.
  /** Reads a list (CSV or XLSX) from its bytes and proposes a column mapping. */
  worklistPreview(fileName: string, bytes: Uint8Array): Promise<WorklistPreview>;
  /** Creates the job from the list previewed, with the mapping the user confirmed. */
  worklistCreate(previewId: string, mapping: ColumnMapping): Promise<JobSummary>;
  /** Starts or resumes checking; progress comes as `onWorklistProgress` events. */
  worklistStart(jobId: string): Promise<JobSummary>;
  worklistPause(jobId: string): Promise<JobSummary>;
  worklistCancel(jobId: string): Promise<JobSummary>;
  /** The signed-in user's jobs, newest first. */
  worklistJobs(): Promise<JobSummary[]>;
  /** Every row with its result, people who need a conversation first. */
  worklistResults(jobId: string): Promise<ResultRow[]>;
  /** An audited export into the user's documents folder. */
  worklistExport(jobId: string, format: ExportFormat): Promise<WorklistExport>;
  onWorklistProgress(handler: (event: WorklistProgress) => void): Promise<Unlisten>;
  // The result slip, of the result on screen (`lookupId`). Each rejects with an `IpcError`.
  /** An audited PDF of the slip in the user's documents folder. */
  saveSlip(lookupId: number): Promise<SlipSaved>;
  /** Records the printing, then opens the window's print dialog (the print stylesheet). */
  printSlip(lookupId: number): Promise<null>;
}

/** The real IPC, through Tauri's `invoke` (the only part of `@tauri-apps/api` the UI uses; it is
 *  bundled into app.js, so the shell does not inject the whole global API into the page). */
export function tauriIpc(): Ipc {
  if (!isTauri()) {
    throw new Error("The Tauri API is not available: the UI runs only in the V&M Check app.");
  }
  const invoke = <T>(cmd: string, args?: Record<string, unknown> | Uint8Array, options?: { headers: Record<string, string> }): Promise<T> =>
    (options ? tauriInvoke<T>(cmd, args, options) : tauriInvoke<T>(cmd, args)).catch((e: unknown) => {
      throw toIpcError(e);
    });
  const events = eventStreams((after) => invoke<EventBatch>("next_events", { after }));
  return {
    appInfo: () => invoke<AppInfo>("app_info"),
    sessionView: () => invoke<SessionView>("session_view"),
    queryTries: () => invoke<PinState>("query_tries"),
    signIn: (passcode, confirmLastTry) => invoke<SessionView>("sign_in", { passcode, confirmLastTry }),
    chooseRole: (roleProfileId) => invoke<SessionView>("choose_role", { roleProfileId }),
    signOut: () => invoke<null>("sign_out"),
    touch: () => invoke<null>("touch"),
    lookup: (nhsNumber, lookupId) => invoke<LookupView>("lookup", { nhsNumber, lookupId }),
    cancelLookup: (lookupId) => invoke<null>("cancel_lookup", { lookupId }),
    searchPatients: (terms) => invoke<SearchMatchView[]>("search_patients", { terms }),
    saveSettings: (preferences) => invoke<AppInfo>("save_settings", { preferences }),
    checkComputer: () => invoke<DoctorReport>("check_computer"),
    onSession: (handler) => events.on("session", handler),
    onLookupProgress: (handler) => events.on("lookup_progress", handler),
    // The list's bytes go as the raw body (not a JSON array of numbers), its name in a header.
    worklistPreview: (fileName, bytes) => invoke<WorklistPreview>("worklist_preview", bytes, { headers: { [FILE_NAME_HEADER]: encodeURIComponent(fileName) } }),
    worklistCreate: (previewId, mapping) => invoke<JobSummary>("worklist_create", { previewId, mapping }),
    worklistStart: (jobId) => invoke<JobSummary>("worklist_start", { jobId }),
    worklistPause: (jobId) => invoke<JobSummary>("worklist_pause", { jobId }),
    worklistCancel: (jobId) => invoke<JobSummary>("worklist_cancel", { jobId }),
    worklistJobs: () => invoke<JobSummary[]>("worklist_jobs"),
    worklistResults: (jobId) => invoke<ResultRow[]>("worklist_results", { jobId }),
    worklistExport: (jobId, format) => invoke<WorklistExport>("worklist_export", { jobId, format }),
    saveSlip: (lookupId) => invoke<SlipSaved>("save_slip", { lookupId }),
    printSlip: (lookupId) => invoke<null>("print_slip", { lookupId }),
    onWorklistProgress: (handler) => events.on("worklist_progress", handler),
  };
}

/** Whatever a rejected invoke carried, as an `IpcError`. */
export function toIpcError(e: unknown): IpcError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const o = e as Partial<IpcError>;
    return {
      code: o.code ?? "IPC_FAILED",
      message: String(o.message),
      detail: o.detail ?? null,
      trace_id: o.trace_id ?? null,
    };
  }
  const message = typeof e === "string" ? e : e instanceof Error ? e.message : "Unknown error";
  return { code: "IPC_FAILED", message, detail: null, trace_id: null };
}
