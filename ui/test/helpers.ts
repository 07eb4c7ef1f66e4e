import type { Preferences } from "../src/bindings/Preferences";
import type { DoctorReport } from "../src/bindings/DoctorReport";
// A controllable fake of the shell for UI tests: every command is recorded, lookups and
// searches resolve only when the test says so, and events are emitted by hand.

import { vi } from "vitest";
import { App } from "../src/app";
import type { AppInfo } from "../src/bindings/AppInfo";
import type { ExportFormat } from "../src/bindings/ExportFormat";
import type { JobSummary } from "../src/bindings/JobSummary";
import type { ResultRow } from "../src/bindings/ResultRow";
import type { SlipSaved } from "../src/bindings/SlipSaved";
import type { WorklistExport } from "../src/bindings/WorklistExport";
import type { WorklistPreview } from "../src/bindings/WorklistPreview";
import type { WorklistProgress } from "../src/bindings/WorklistProgress";
import type { LockReason } from "../src/bindings/LockReason";
import type { LookupView } from "../src/bindings/LookupView";
import type { PinState } from "../src/bindings/PinState";
import type { ProgressEvent } from "../src/bindings/ProgressEvent";
import type { SearchMatchView } from "../src/bindings/SearchMatchView";
import type { SearchTerms } from "../src/bindings/SearchTerms";
import type { SessionEvent } from "../src/bindings/SessionEvent";
import type { SessionView } from "../src/bindings/SessionView";
import { appInfo, lookupView, session } from "../src/dev-fake";
import type { ColumnMapping, Ipc, Unlisten } from "../src/ipc";

/** The worklist commands, each answered only when the test says so. */
interface WorklistAnswers {
  worklist_preview: WorklistPreview;
  worklist_create: JobSummary;
  worklist_start: JobSummary;
  worklist_pause: JobSummary;
  worklist_cancel: JobSummary;
  worklist_jobs: JobSummary[];
  worklist_results: ResultRow[];
  worklist_export: WorklistExport;
  save_slip: SlipSaved;
  print_slip: null;
}
type WorklistCommand = keyof WorklistAnswers;

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class FakeIpc implements Ipc {
  view: SessionView;
  info: AppInfo;
  lookups: Array<{ nhs: string; id: number; d: Deferred<LookupView> }> = [];
  searches: Array<{ terms: SearchTerms; d: Deferred<SearchMatchView[]> }> = [];
  sessionHandlers: Array<(e: SessionEvent) => void> = [];
  progressHandlers: Array<(e: ProgressEvent) => void> = [];
  worklistHandlers: Array<(e: WorklistProgress) => void> = [];
  worklistCalls: Array<{ cmd: WorklistCommand; args: unknown[]; d: Deferred<unknown>; answered: boolean }> = [];
  signInResult: (passcode: string, confirm: boolean) => Promise<SessionView> = async () => session("choose_role");

  appInfo = vi.fn(async () => this.info);
  sessionView = vi.fn(async () => this.view);
  queryTries = vi.fn(async (): Promise<PinState> => this.view.pin ?? { state: "tries_left", tries: 3 });
  signIn = vi.fn((passcode: string, confirm: boolean) => this.signInResult(passcode, confirm));
  chooseRole = vi.fn(async (id: string) => {
    this.view = { ...session("ready", { training: this.view.training }), role: this.view.roles.find((r) => r.role_profile_id === id) ?? null };
    return this.view;
  });
  signOut = vi.fn(async () => null);
  touch = vi.fn(async () => null);
  lookup = vi.fn((nhs: string, id: number) => {
    const d = deferred<LookupView>();
    this.lookups.push({ nhs, id, d });
    return d.promise;
  });
  cancelLookup = vi.fn(async () => null);
  checkComputer = vi.fn(async (): Promise<DoctorReport> => ({ checks: [] }));
  saveSettings = vi.fn(async (p: Preferences): Promise<AppInfo> => {
    this.info = { ...this.info, preferences: p };
    return this.info;
  });
  searchPatients = vi.fn((terms: SearchTerms) => {
    const d = deferred<SearchMatchView[]>();
    this.searches.push({ terms, d });
    return d.promise;
  });
  onSession = vi.fn(async (h: (e: SessionEvent) => void): Promise<Unlisten> => {
    this.sessionHandlers.push(h);
    return () => undefined;
  });
  onLookupProgress = vi.fn(async (h: (e: ProgressEvent) => void): Promise<Unlisten> => {
    this.progressHandlers.push(h);
    return () => undefined;
  });
  onWorklistProgress = vi.fn(async (h: (e: WorklistProgress) => void): Promise<Unlisten> => {
    this.worklistHandlers.push(h);
    return () => undefined;
  });
  private call<C extends WorklistCommand>(cmd: C, ...args: unknown[]): Promise<WorklistAnswers[C]> {
    const d = deferred<unknown>();
    this.worklistCalls.push({ cmd, args, d, answered: false });
    return d.promise as Promise<WorklistAnswers[C]>;
  }
  worklistPreview = vi.fn((fileName: string, bytes: Uint8Array) => this.call("worklist_preview", fileName, bytes));
  worklistCreate = vi.fn((previewId: string, mapping: ColumnMapping) => this.call("worklist_create", previewId, mapping));
  worklistStart = vi.fn((jobId: string) => this.call("worklist_start", jobId));
  worklistPause = vi.fn((jobId: string) => this.call("worklist_pause", jobId));
  worklistCancel = vi.fn((jobId: string) => this.call("worklist_cancel", jobId));
  worklistJobs = vi.fn(() => this.call("worklist_jobs"));
  worklistResults = vi.fn((jobId: string) => this.call("worklist_results", jobId));
  worklistExport = vi.fn((jobId: string, format: ExportFormat) => this.call("worklist_export", jobId, format));
  saveSlip = vi.fn((lookupId: number) => this.call("save_slip", lookupId));
  printSlip = vi.fn((lookupId: number) => this.call("print_slip", lookupId));

  /** The oldest unanswered call of `cmd`. */
  pending(cmd: WorklistCommand): { args: unknown[]; d: Deferred<unknown> } {
    const c = this.worklistCalls.find((x) => x.cmd === cmd && !x.answered);
    if (!c) throw new Error(`no pending ${cmd}`);
    return c;
  }

  /** Answers the oldest unanswered call of `cmd`. */
  async answer<C extends WorklistCommand>(cmd: C, value: WorklistAnswers[C]): Promise<void> {
    const c = this.worklistCalls.find((x) => x.cmd === cmd && !x.answered);
    if (!c) throw new Error(`no pending ${cmd}`);
    c.answered = true;
    c.d.resolve(value);
    await flush();
  }

  /** Rejects the oldest unanswered call of `cmd`. */
  async fail(cmd: WorklistCommand, error: unknown): Promise<void> {
    const c = this.worklistCalls.find((x) => x.cmd === cmd && !x.answered);
    if (!c) throw new Error(`no pending ${cmd}`);
    c.answered = true;
    c.d.reject(error);
    await flush();
  }

  worklistProgress(e: WorklistProgress): void {
    for (const h of this.worklistHandlers) h(e);
  }

  constructor(info: AppInfo, view: SessionView) {
    this.info = info;
    this.view = view;
  }

  emit(e: SessionEvent): void {
    if (e.event === "changed") this.view = e.view;
    for (const h of this.sessionHandlers) h(e);
  }

  /** What the engine does on a lock: the session leaves "ready", then the event is sent. */
  lock(reason: LockReason): void {
    this.view = session(reason === "card_removed" ? "waiting_for_card" : "card_present", { training: this.view.training, locked_reason: reason });
    this.emit({ event: "locked", reason });
  }

  progress(e: ProgressEvent): void {
    for (const h of this.progressHandlers) h(e);
  }

  /** Resolves the last lookup with the canned view for its number. */
  async answerLast(nhs?: string): Promise<void> {
    const l = this.lookups[this.lookups.length - 1];
    if (!l) throw new Error("no lookup");
    l.d.resolve(lookupView(nhs ?? l.nhs, l.id));
    await flush();
  }
}

let current: App | null = null;

export async function startApp(
  opts: { mode?: AppInfo["mode"]; training?: boolean; state?: SessionView["state"]; view?: Partial<SessionView>; info?: Partial<AppInfo> } = {},
): Promise<{ app: App; ipc: FakeIpc }> {
  current?.destroy();
  document.body.replaceChildren();
  document.documentElement.className = "";
  document.body.className = "";
  const training = opts.training ?? false;
  const info = { ...appInfo(opts.mode ?? (training ? "training" : "desk"), training), ...opts.info };
  const ipc = new FakeIpc(info, session(opts.state ?? "ready", { training, ...opts.view }));
  const app = new App(document.body, ipc);
  current = app;
  await app.start();
  return { app, ipc };
}

/** Lets pending promise callbacks run (works with fake timers too). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export function $(selector: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(selector);
}

export function must<T extends HTMLElement = HTMLElement>(selector: string): T {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`no element ${selector}`);
  return el;
}

export function type(selector: string, value: string): HTMLInputElement {
  const input = must<HTMLInputElement>(selector);
  input.focus();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  return input;
}

export function submit(selector: string): void {
  must<HTMLFormElement>(selector).dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
}

/** Types an NHS number and submits the lookup form. */
export function lookUp(nhs: string): void {
  type("#nhs-number", nhs);
  submit("#lookup-form");
}

export function bodyHtml(): string {
  return document.body.innerHTML;
}
