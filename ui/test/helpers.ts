import type { Preferences } from "../src/bindings/Preferences";
// A controllable fake of the shell for UI tests: every command is recorded, lookups and
// searches resolve only when the test says so, and events are emitted by hand.

import { vi } from "vitest";
import { App } from "../src/app";
import type { AppInfo } from "../src/bindings/AppInfo";
import type { LockReason } from "../src/bindings/LockReason";
import type { LookupView } from "../src/bindings/LookupView";
import type { PinState } from "../src/bindings/PinState";
import type { ProgressEvent } from "../src/bindings/ProgressEvent";
import type { SearchMatchView } from "../src/bindings/SearchMatchView";
import type { SearchTerms } from "../src/bindings/SearchTerms";
import type { SessionEvent } from "../src/bindings/SessionEvent";
import type { SessionView } from "../src/bindings/SessionView";
import { appInfo, lookupView, session } from "../src/dev-fake";
import type { Ipc, Unlisten } from "../src/ipc";

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
