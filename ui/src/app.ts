// The application: follows the session from the shell, shows the screen for its state, runs
// lookups and keeps the safety rules:
// - starting a lookup (or a search) clears the previous result from the DOM at once;
// - a result whose lookup_id is not the latest requested is discarded;
// - a `locked` session event clears every patient detail from the DOM and from memory at once
//   and returns to sign-in;
// - nothing patient-related is ever written to web storage, cookies or the URL;
// - the banner always shows the NHS number it belongs to;
// - the Worklist screen (desk only) holds its patient data in one object, forgotten with the rest.

// Stryker disable all: mutation testing covers only the safety code of this file, each part between a "restore all" and the next "disable all" below (npm run mutants)

import type { AppInfo } from "./bindings/AppInfo";
import type { IpcError } from "./bindings/IpcError";
import type { LockReason } from "./bindings/LockReason";
import type { LookupView } from "./bindings/LookupView";
import type { Progress } from "./bindings/Progress";
import type { SearchMatchView } from "./bindings/SearchMatchView";
import type { SearchTerms } from "./bindings/SearchTerms";
import type { SessionEvent } from "./bindings/SessionEvent";
import type { SessionView } from "./bindings/SessionView";
import { type Child, h, hidden, replace } from "./dom";
import { adviceFor } from "./errors";
import { errorSummary, warningCallout } from "./forms";
import { nhsLogo } from "./icons";
import { type Ipc, toIpcError, type Unlisten } from "./ipc";
import { formatNhsNumber } from "./nhs-number";
import { type LookupForm, lookupForm } from "./views-lookup";
import { announcement, failureView, matchesView, progressView, type ResultHandlers, resultView, type SlipActions } from "./views-result";
import { settingsView } from "./views-settings";
import { WorklistScreen } from "./views-worklist";
import { roleView, type SignInForm, signInView } from "./views-signin";

export const TRAINING_TEXT = "TRAINING — not real patient data";
/** `touch` is sent at most this often (ms). */
export const TOUCH_INTERVAL_MS = 5000;
const DEFAULT_RESULT_CLEAR_SECS = 60;

/** What the result area shows. */
type Pane =
  | { kind: "empty" }
  | { kind: "progress"; id: number; nhs: string; step: Progress | null }
  | { kind: "result"; view: LookupView }
  | { kind: "failure"; nhs: string; error: IpcError }
  | { kind: "searching"; id: number }
  | { kind: "matches"; matches: SearchMatchView[] }
  | { kind: "search_failure"; error: IpcError }
  | { kind: "notice"; id: string; text: string };

type Screen = "loading" | "fatal" | "main" | "settings" | "worklist";

export class App {
  private info: AppInfo | null = null;
  private session: SessionView | null = null;
  private screen: Screen = "loading";
  private fatal: IpcError | null = null;
  private signInError: IpcError | null = null;
  private forceConfirm = false;
  /** The reader the passcode field on screen was drawn for; what is typed in it is carried into
   *  a redraw only for the same reader (undefined: not carried, after a sign-in attempt answered). */
  private passcodeReader: string | null | undefined = undefined;
  private roleError: IpcError | null = null;
  private changingRole = false;
  private lastLock: LockReason | null = null;
  /** Every lookup and search gets the next number; only the latest one may show. */
  private requestSeq = 0;
  /** Counts session views applied, so a slower answer never overwrites a newer view. */
  private sessionSeq = 0;
  private pane: Pane = { kind: "empty" };
  private countdown: { timer: ReturnType<typeof setInterval>; deadline: number } | null = null;
  private lastTouch = Number.NEGATIVE_INFINITY;
  private mainKey = "";
  private form: LookupForm | null = null;
  /** The Worklist screen while it is open (desk only); dropped with every patient detail. */
  private worklist: WorklistScreen | null = null;
  private unlisten: Unlisten[] = [];
  private cleanup: Array<() => void> = [];

  // Fixed parts of the page.
  private readonly trainingBar: HTMLElement;
  private readonly header: HTMLElement;
  private readonly account: HTMLElement;
  private readonly main: HTMLElement;
  private readonly footer: HTMLElement;
  private readonly announcer: HTMLElement;
  private resultArea: HTMLElement | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly ipc: Ipc,
  ) {
    this.trainingBar = h("aside", { class: "vm-training", id: "training-marker", "aria-label": "Training mode", hidden: true }, h("strong", null, TRAINING_TEXT));
    this.account = h("nav", { class: "nhsuk-header__account", "aria-label": "Account", id: "account" });
    this.header = h(
      "header",
      { class: "nhsuk-header vm-header", role: "banner" },
      h(
        "div",
        { class: "nhsuk-header__container nhsuk-width-container vm-width" },
        h(
          "div",
          { class: "nhsuk-header__service" },
          h("span", { class: "nhsuk-header__service-logo vm-logo" }, nhsLogo(), h("span", { class: "nhsuk-header__service-name", id: "service-name" }, "V&M Check")),
        ),
        this.account,
      ),
    );
    this.main = h("main", { class: "nhsuk-main-wrapper", id: "main", tabindex: "-1" });
    this.footer = h("footer", { class: "nhsuk-footer vm-footer", role: "contentinfo" });
    this.announcer = h("div", { class: "nhsuk-u-visually-hidden", id: "announcer", "aria-live": "assertive", "aria-atomic": "true" });
  }

  /** Builds the page, follows the shell's events and asks for the app info, then the session. */
  async start(): Promise<void> {
    replace(
      this.root,
      this.trainingBar,
      this.header,
      h("div", { class: "nhsuk-width-container vm-width" }, this.main),
      this.footer,
      this.announcer,
    );
    this.installGuards();
    this.render();
    let eventSeen = false;
    try {
      // One round trip rather than five: the listeners and the app info asked for together; the
      // event stream's start brings the session as it is now (taken after the point the
      // events start from, so no change is missed in between). Without it, the session view
      // is asked for after the listeners.
      const asked = await Promise.allSettled([
        this.ipc.onSession((e) => {
          if (e.event === "changed") eventSeen = true;
          this.onSessionEvent(e);
        }),
        this.ipc.onLookupProgress((e) => this.onProgress(e.lookup_id, e.step)),
        this.ipc.onWorklistProgress((e) => {
          if (this.session?.state === "ready") this.worklist?.onProgress(e);
        }),
        this.ipc.appInfo(),
      ]);
      const [session, progress, worklist, info] = asked;
      for (const listening of [session, progress, worklist]) {
        if (listening.status === "fulfilled") this.unlisten.push(listening.value);
      }
      const failed = asked.find((answer) => answer.status === "rejected");
      if (failed) throw failed.reason;
      this.info = (info as PromiseFulfilledResult<AppInfo>).value;
      this.applyMode();
      if (!eventSeen) {
        const view = await this.ipc.sessionView();
        if (!eventSeen) this.applySession(view);
      }
      this.screen = "main";
    } catch (e) {
      this.fatal = toIpcError(e);
      this.screen = "fatal";
    }
    this.render();
  }

  /** Stops listening and removes global handlers (tests). */
  destroy(): void {
    this.stopCountdown();
    for (const u of this.unlisten) u();
    for (const c of this.cleanup) c();
    this.unlisten = [];
    this.cleanup = [];
  }

  // ---- mode and global guards ------------------------------------------------------------

  private get kiosk(): boolean {
    return this.info?.mode === "kiosk";
  }

  private get training(): boolean {
    return this.info?.training === true || this.session?.training === true;
  }

  private applyMode(): void {
    const html = this.root.ownerDocument.documentElement;
    for (const el of [html, this.root.ownerDocument.body]) {
      el.classList.toggle("vm-kiosk", this.kiosk);
      el.classList.toggle("vm-training-mode", this.training);
    }
  }

  private listen<K extends keyof WindowEventMap>(type: K, fn: (e: WindowEventMap[K]) => void, capture = true): void {
    const win = this.root.ownerDocument.defaultView ?? window;
    win.addEventListener(type, fn as EventListener, capture);
    this.cleanup.push(() => win.removeEventListener(type, fn as EventListener, capture));
  }

  private installGuards(): void {
    // The webview must never navigate: no form submission, no link, no history keys, no drops.
    this.listen("submit", (e) => e.preventDefault());
    const noLinks = (e: MouseEvent) => {
      const target = e.target as Element | null;
      if (target?.closest?.("a[href]")) e.preventDefault();
    };
    this.listen("click", noLinks);
    this.listen("auxclick", noLinks);
    this.listen("dragover", (e) => e.preventDefault());
    this.listen("drop", (e) => e.preventDefault());
    this.listen("keydown", (e) => {
      if (isNavigationKey(e)) e.preventDefault();
      this.activity();
    });
    this.listen("pointerdown", () => this.activity());
    this.listen("contextmenu", (e) => {
      if (this.kiosk) e.preventDefault();
    });
  }

  /** Tells the engine's idle timer about activity, at most once per 5 s. */
  private activity(): void {
    const now = Date.now();
    if (now - this.lastTouch < TOUCH_INTERVAL_MS) return;
    this.lastTouch = now;
    this.ipc.touch().catch(() => undefined);
  }

  // ---- session ---------------------------------------------------------------------------

  // Stryker restore all
  private onSessionEvent(e: SessionEvent): void {
    switch (e.event) {
      case "locked":
        this.onLocked(e.reason);
        break;
      case "changed":
        this.applySession(e.view);
        this.render();
        break;
      // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent — `card` is the last case and only breaks: a card event that matches it, matches nothing or falls through does nothing either way
      case "card":
        break;
    }
  }

  /** Clears the screen and every patient detail at once, then returns to sign-in. */
  private onLocked(reason: LockReason): void {
    this.clearPatientData();
    this.lastLock = reason;
    this.changingRole = false;
    this.signInError = null;
    this.roleError = null;
    this.forceConfirm = false;
    if (this.screen === "settings") this.screen = "main";
    if (this.session) {
      this.session = {
        ...this.session,
        state: this.session.state === "no_service" || this.session.state === "no_reader" ? this.session.state : "waiting_for_card",
        pin: null,
        user: null,
        roles: [],
        role: null,
        certificate_warning: null,
        locked_reason: reason,
      };
    }
    this.render();
    const asked = this.sessionSeq;
    this.ipc
      .sessionView()
      .then((view) => {
        // A `changed` event that arrived meanwhile is newer than this answer: keep it.
        if (this.sessionSeq !== asked) return;
        this.applySession(view);
        this.render();
      })
      .catch(() => undefined);
  }

  // Stryker disable all
  private applySession(view: SessionView): void {
    const before = this.session;
    // Stryker restore all
    this.session = view;
    // Stryker disable next-line UpdateOperator: equivalent — `--` changes the number as surely as `++`, and the guard in refreshSession only asks whether it changed
    this.sessionSeq++;
    if (view.state !== "ready") {
      // Not signed in with a role: nothing of a patient may stay.
      this.clearPatientData();
      this.changingRole = false;
    }
    // Stryker disable all
    if (view.state === "ready" || view.state === "choose_role") {
      this.lastLock = null;
      this.signInError = null;
      this.forceConfirm = false;
    }
    if (view.state === "card_present" && view.pin === null && before?.state !== "card_present") {
      // Ask the card for its tries left (spends none); the engine's session event brings them.
      this.ipc.queryTries().catch(() => undefined);
    }
    if (view.state !== "card_present" && before?.state === "card_present") {
      this.signInError = null;
      this.forceConfirm = false;
    }
    // Stryker restore all
    if (before?.role?.role_profile_id !== view.role?.role_profile_id && before?.role) {
      this.clearPatientData();
    }
    // Stryker disable all
    this.applyMode();
  }

  // Stryker restore all
  /** Forgets every patient detail: result, matches, in-flight lookups, typed details, and the
   *  Worklist screen's list, results and row (the screen closes). */
  private clearPatientData(): void {
    this.worklist?.clear();
    this.worklist = null;
    if (this.screen === "worklist") this.screen = "main";
    this.requestSeq++;
    this.pane = { kind: "empty" };
    this.stopCountdown();
    this.announcer.textContent = "";
    this.form?.clear();
    if (this.resultArea) this.resultArea.replaceChildren();
  }

  // ---- sign-in ---------------------------------------------------------------------------

  // Stryker disable all
  private submitSignIn(f: SignInForm): void {
    const passcode = f.passcode.value;
    const lastTry = f.confirm !== null;
    const confirmed = f.confirm?.checked ?? false;
    if (passcode === "") {
      this.signInError = { code: "PASSCODE_FORMAT", message: "Enter your passcode", detail: null, trace_id: null };
      this.mainKey = "";
      this.render();
      this.focus("#passcode");
      return;
    }
    if (lastTry && !confirmed) {
      this.signInError = { code: "CONFIRM_LAST_TRY", message: "Confirm that you understand a wrong passcode will lock your card", detail: null, trace_id: null };
      this.forceConfirm = true;
      this.mainKey = "";
      this.render();
      this.focus("#confirm-last-try");
      return;
    }
    const pending = this.ipc.signIn(passcode, confirmed);
    f.passcode.value = "";
    f.submit.disabled = true;
    pending
      .then((view) => {
        this.signInError = null;
        this.forceConfirm = false;
        this.lastLock = null;
        this.applySession(view);
        this.render();
      })
      .catch(async (e: unknown) => {
        const error = toIpcError(e);
        this.signInError = error;
        // Anything typed while the card answered is not carried under its error.
        this.passcodeReader = undefined;
        if (error.code === "CONFIRM_LAST_TRY") this.forceConfirm = true;
        if (error.code === "WRONG_PASSCODE" && this.session) {
          try {
            const pin = await this.ipc.queryTries();
            this.session = { ...this.session, pin };
          } catch {
            // The next session event brings the count.
          }
        }
        this.mainKey = "";
        this.render();
        this.focus(error.code === "CONFIRM_LAST_TRY" ? "#confirm-last-try" : "#passcode");
      })
      .finally(() => {
        f.submit.disabled = false;
      });
  }

  private chooseRole(roleProfileId: string, submit: HTMLButtonElement): void {
    submit.disabled = true;
    this.clearPatientData();
    this.ipc
      .chooseRole(roleProfileId)
      .then((view) => {
        this.roleError = null;
        this.changingRole = false;
        this.applySession(view);
        this.render();
      })
      .catch((e: unknown) => {
        this.roleError = toIpcError(e);
        this.mainKey = "";
        this.render();
      })
      .finally(() => {
        submit.disabled = false;
      });
  }

  private signOut(): void {
    this.clearPatientData();
    this.render();
    this.ipc.signOut().catch(() => undefined);
  }

  // ---- lookups ---------------------------------------------------------------------------

  // Stryker restore all
  /** Starts a lookup: the previous result leaves the screen before the command is sent. */
  startLookup(digits: string): void {
    if (this.session?.state !== "ready") return;
    this.clearResult();
    const id = ++this.requestSeq;
    this.setPane({ kind: "progress", id, nhs: digits, step: null });
    this.ipc.lookup(digits, id).then(
      (view) => {
        if (!this.isCurrent(id) || view.lookup_id !== id) return; // stale: never shown
        this.setPane({ kind: "result", view });
        this.announce(announcement(view.report));
        this.startCountdown();
        this.selectNhsInput();
      },
      (e: unknown) => {
        if (!this.isCurrent(id)) return;
        const error = toIpcError(e);
        this.setPane({ kind: "failure", nhs: digits, error });
        this.announce(`The check could not be completed. ${error.message}`);
        this.startCountdown();
      },
    );
  }

  private isCurrent(id: number): boolean {
    const p = this.pane;
    return id === this.requestSeq && (p.kind === "progress" || p.kind === "searching") && p.id === id && this.session?.state === "ready";
  }

  // Stryker disable all
  private cancelLookup(): void {
    const p = this.pane;
    if (p.kind !== "progress") return;
    this.requestSeq++;
    this.ipc.cancelLookup(p.id).catch(() => undefined);
    this.setPane({ kind: "notice", id: "lookup-cancelled", text: "The check was cancelled. Nothing is shown for that patient." });
    this.focus("#nhs-number");
  }

  private onProgress(lookupId: number, step: Progress): void {
    const p = this.pane;
    if (p.kind !== "progress" || p.id !== lookupId || lookupId !== this.requestSeq) return;
    this.setPane({ ...p, step });
  }

  private startSearch(terms: SearchTerms): void {
    if (this.session?.state !== "ready") return;
    this.clearResult();
    const id = ++this.requestSeq;
    this.setPane({ kind: "searching", id });
    this.ipc.searchPatients(terms).then(
      (matches) => {
        // Stryker restore all
        if (!this.isCurrent(id)) return;
        // Stryker disable all
        this.form?.closeSearch();
        this.setPane({ kind: "matches", matches });
        // Stryker restore all
        this.startCountdown();
        // Stryker disable all
        this.focus("#search-results-heading");
        this.announce(matches.length === 0 ? "No patients found." : `${matches.length} ${matches.length === 1 ? "patient" : "patients"} found.`);
      },
      (e: unknown) => {
        // Stryker restore all
        if (!this.isCurrent(id)) return;
        // Stryker disable all
        this.setPane({ kind: "search_failure", error: toIpcError(e) });
      },
    );
  }

  private pickMatch(nhs: string): void {
    if (this.form) {
      this.form.clear();
      this.form.nhsInput.value = formatNhsNumber(nhs);
    }
    this.startLookup(nhs);
  }

  // Stryker restore all
  /** Takes the current result (or matches) off the screen and out of memory. */
  private clearResult(): void {
    this.stopCountdown();
    this.announcer.textContent = "";
    // Stryker disable next-line ObjectLiteral,StringLiteral: equivalent — both callers (startLookup, startSearch) set the next pane right after, so the value written here is never read
    this.pane = { kind: "empty" };
    this.resultArea?.replaceChildren();
  }

  // Stryker disable all
  private setPane(pane: Pane): void {
    this.pane = pane;
    this.renderPane();
  }

  private announce(text: string): void {
    this.announcer.textContent = text;
  }

  private selectNhsInput(): void {
    const input = this.form?.nhsInput;
    if (input && input.ownerDocument.activeElement === input) input.select();
  }

  // ---- kiosk countdown -------------------------------------------------------------------

  // Stryker restore all
  private startCountdown(): void {
    this.stopCountdown();
    if (!this.kiosk || !this.info) return;
    const secs = this.info.kiosk.result_clear_secs > 0 ? this.info.kiosk.result_clear_secs : DEFAULT_RESULT_CLEAR_SECS;
    const deadline = Date.now() + secs * 1000;
    const timer = setInterval(() => this.tickCountdown(), 1000);
    this.countdown = { timer, deadline };
    this.renderCountdown();
  }

  private stopCountdown(): void {
    if (this.countdown) clearInterval(this.countdown.timer);
    this.countdown = null;
  }

  private secondsLeft(): number {
    return this.countdown ? Math.max(0, Math.ceil((this.countdown.deadline - Date.now()) / 1000)) : 0;
  }

  private tickCountdown(): void {
    // Stryker disable next-line ConditionalExpression: equivalent for `false` — ticks come only from the interval that stopCountdown clears in the same step as it nulls countdown, so a tick never finds no countdown (the `true` mutant is killed by the kiosk tests)
    if (!this.countdown) return;
    if (this.secondsLeft() <= 0) {
      this.clearPatientData();
      this.setPane({ kind: "notice", id: "result-cleared", text: "The result was cleared. Enter an NHS number to check another patient." });
      this.focus("#nhs-number");
      return;
    }
    this.renderCountdown();
  }

  private renderCountdown(): void {
    const el = this.resultArea?.querySelector("#kiosk-countdown");
    if (el) el.textContent = this.countdownText();
  }

  /** What the countdown line says now: how long the patient details have left on screen. */
  private countdownText(): string {
    // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent — with no countdown the line is only ever drawn by setPane in the same task as startCountdown, which fills it before anything is painted (the tests read the line after that)
    if (!this.countdown) return "";
    const s = this.secondsLeft();
    const what = this.pane.kind === "matches" ? "These search results" : "This result";
    return `${what} will clear in ${s} ${s === 1 ? "second" : "seconds"}`;
  }

  // Stryker disable all
  // ---- copy ------------------------------------------------------------------------------

  private readonly resultHandlers: ResultHandlers = {
    copyTraceId: (code, status) => {
      const text = code.textContent ?? "";
      const select = () => {
        const selection = code.ownerDocument.getSelection();
        selection?.selectAllChildren(code);
        status.textContent = "Selected: press Ctrl+C to copy";
      };
      const clipboard = code.ownerDocument.defaultView?.navigator.clipboard;
      if (!clipboard?.writeText) {
        select();
        return;
      }
      clipboard.writeText(text).then(() => {
        status.textContent = "Copied";
      }, select);
    },
  };

  // ---- the result slip --------------------------------------------------------------------

  /** Print and Save as PDF, as this installation allows (the engine checks again). */
  private slipActions(): SlipActions {
    const fail = (status: HTMLElement) => (e: unknown) => {
      status.textContent = toIpcError(e).message;
    };
    return {
      print: this.info?.print_slip ?? false,
      save: this.info?.save_slip ?? false,
      printSlip: (lookupId, status) => {
        status.textContent = "";
        this.ipc.printSlip(lookupId).then(() => {
          status.textContent = "Sent to the print dialog (recorded in the audit log)";
        }, fail(status));
      },
      saveSlip: (lookupId, status) => {
        status.textContent = "Saving…";
        this.ipc.saveSlip(lookupId).then((saved) => {
          replace(status, "Saved (recorded in the audit log) to ", h("code", { id: "slip-path" }, saved.path));
        }, fail(status));
      },
    };
  }

  // ---- rendering -------------------------------------------------------------------------

  private render(): void {
    this.renderChrome();
    const key = this.computeMainKey();
    if (key !== this.mainKey) {
      this.mainKey = key;
      this.renderMain();
    }
  }

  private renderChrome(): void {
    this.trainingBar.hidden = !this.training;
    const s = this.session;
    const items: Child[] = [];
    const signedIn = s && (s.state === "ready" || s.state === "choose_role") && this.screen !== "fatal";
    if (signedIn && s.user) {
      items.push(
        h(
          "li",
          { class: "nhsuk-header__account-item", id: "user-name" },
          s.user.name ? h("span", null, s.user.name) : null,
          h("span", { class: "vm-uuid" }, s.user.name ? `(${s.user.uuid})` : s.user.uuid),
        ),
      );
      if (s.role) items.push(h("li", { class: "nhsuk-header__account-item", id: "user-role" }, hidden("Role: "), s.role.job_role));
      if (s.state === "ready" && s.roles.length > 1 && !this.changingRole) {
        items.push(this.accountButton("change-role", "Change role", () => this.beginChangeRole()));
      }
    }
    if (!this.kiosk && s?.state === "ready" && !this.changingRole && this.screen === "main") {
      items.push(this.accountButton("worklist-link", "Worklist", () => this.openWorklist()));
    }
    if (this.screen === "worklist") {
      items.push(this.accountButton("lookup-link", "Check a patient", () => this.closeWorklist()));
    }
    if (!this.kiosk && this.info && this.screen !== "settings") {
      items.push(this.accountButton("settings-link", "Settings", () => this.openSettings()));
    }
    if (signedIn) items.push(this.accountButton("sign-out", "Sign out", () => this.signOut()));
    replace(this.account, items.length ? h("ul", { class: "nhsuk-header__account-list" }, items) : null);
    this.account.hidden = items.length === 0;

    const info = this.info;
    replace(
      this.footer,
      h(
        "div",
        { class: "nhsuk-width-container vm-width" },
        h(
          "div",
          { class: "nhsuk-footer__meta" },
          h("p", { class: "nhsuk-body-s", id: "footer-text" }, info ? `V&M Check ${info.version} · ${info.organisation.name} (${info.organisation.ods_code})` : "V&M Check"),
        ),
      ),
    );
  }

  private accountButton(id: string, text: string, onclick: () => void): HTMLElement {
    return h("li", { class: "nhsuk-header__account-item" }, h("button", { class: "nhsuk-header__account-button", id, type: "button", onclick }, text));
  }

  private beginChangeRole(): void {
    this.clearPatientData();
    this.changingRole = true;
    this.render();
  }

  /** The Worklist screen (desk only). Leaving the lookup screen forgets its result. */
  private openWorklist(): void {
    if (this.kiosk || this.session?.state !== "ready") return;
    this.clearPatientData();
    this.screen = "worklist";
    this.worklist = new WorklistScreen({
      ipc: this.ipc,
      announce: (text) => this.announce(text),
      resultHandlers: this.resultHandlers,
      close: () => this.closeWorklist(),
    });
    this.render();
    this.worklist.open();
  }

  /** Back to the lookup screen: the worklist's patient data is forgotten (its jobs stay in the
   *  engine's store, to open again). */
  private closeWorklist(): void {
    this.clearPatientData();
    this.render();
    this.focus("#nhs-number");
  }

  private openSettings(): void {
    if (this.kiosk) return;
    if (this.screen === "worklist") this.clearPatientData();
    this.screen = "settings";
    this.render();
    this.focus("#settings h1");
  }

  private computeMainKey(): string {
    const s = this.session;
    if (this.screen === "worklist" && s?.state === "ready" && !this.changingRole) return `worklist:${s.role?.role_profile_id}`;
    if (this.screen !== "main" || !s) return this.screen;
    const err = this.signInError ? `${this.signInError.code}:${this.signInError.message}` : "";
    if (s.state === "ready" && !this.changingRole) {
      return `ready:${s.role?.role_profile_id}:${s.certificate_warning}`;
    }
    if (s.state === "ready" || s.state === "choose_role") {
      const roles = s.roles.map((r) => r.role_profile_id).join(",");
      return `role:${s.state}:${roles}:${this.changingRole}:${this.roleError?.message}:${s.certificate_warning}`;
    }
    return `signin:${s.state}:${s.reader}:${JSON.stringify(s.pin)}:${err}:${this.forceConfirm}:${this.lastLock ?? s.locked_reason}`;
  }

  private renderMain(): void {
    this.form = null;
    this.resultArea = null;
    const s = this.session;
    if (this.screen === "loading") {
      replace(this.main, h("p", { class: "nhsuk-body-l", id: "loading" }, "Starting V&M Check…"));
      return;
    }
    if (this.screen === "fatal" || !s || !this.info) {
      const error = this.fatal ?? { code: "NOT_READY", message: "V&M Check could not start.", detail: null, trace_id: null };
      replace(
        this.main,
        errorSummary(
          "startup-error",
          "V&M Check could not start",
          h("p", null, error.message),
          error.detail ? h("p", { class: "nhsuk-body-s" }, error.detail) : null,
          h("p", null, "Close V&M Check and open it again. If it keeps happening, contact IT."),
        ),
      );
      return;
    }
    if (this.screen === "settings") {
      replace(
        this.main,
        settingsView(
          this.info,
          () => {
            this.screen = "main";
            this.render();
            this.focus("#settings-link");
          },
          (p) =>
            this.ipc.saveSettings(p).then((info) => {
              this.info = info;
              return info;
            }),
          () => this.ipc.checkComputer(),
        ),
      );
      return;
    }
    const certificateWarning = s.certificate_warning
      ? warningCallout("certificate-warning", "Your smartcard certificate expires soon", h("p", { class: "nhsuk-card__description" }, s.certificate_warning))
      : null;
    if (this.screen === "worklist" && this.worklist && s.state === "ready" && !this.changingRole) {
      replace(this.main, certificateWarning, this.worklist.element);
      return;
    }
    if (s.state === "ready" && !this.changingRole) {
      this.form = lookupForm({
        onLookup: (d) => this.startLookup(d),
        onSearch: (t) => this.startSearch(t),
        hospitalNumberPattern: this.info?.hospital_number_pattern ?? null,
      });
      this.resultArea = h("div", { class: "vm-result-area", id: "result-area" });
      replace(this.main, certificateWarning, this.form.element, this.resultArea);
      this.renderPane();
      this.focus("#nhs-number");
      return;
    }
    if (s.state === "ready" || s.state === "choose_role") {
      replace(
        this.main,
        roleView({
          roles: s.roles,
          current: s.role,
          organisation: this.info.organisation.name,
          changing: this.changingRole,
          error: this.roleError,
          certificateWarning,
          onChoose: (id, submit) => this.chooseRole(id, submit),
          onCancel: () => {
            this.changingRole = false;
            this.render();
          },
        }),
      );
      this.focus("input[name=role]:checked, input[name=role]");
      return;
    }
    // A redraw for the same reader (the card's tries arriving, a missing confirmation shown)
    // keeps what was typed: a field emptied under the user's fingers would submit only the rest
    // of the passcode, a wrong one that spends a try.
    const typed = this.passcodeReader === s.reader ? this.main.querySelector<HTMLInputElement>("#passcode")?.value : undefined;
    replace(
      this.main,
      signInView({
        session: s,
        error: this.signInError,
        forceConfirm: this.forceConfirm,
        lockedReason: this.lastLock ?? s.locked_reason,
        onSubmit: (f) => this.submitSignIn(f),
      }),
    );
    const field = this.main.querySelector<HTMLInputElement>("#passcode");
    this.passcodeReader = field ? s.reader : undefined;
    if (field && typed) field.value = typed;
    if (s.state === "card_present") this.focus("#passcode");
  }

  private renderPane(): void {
    const area = this.resultArea;
    if (!area) return;
    const p = this.pane;
    switch (p.kind) {
      case "empty":
        replace(area, h("div", { class: "vm-empty", id: "result-empty" }, h("p", null, "Enter an NHS number, or search by the patient's details, to check their status.")));
        break;
      case "progress":
        replace(area, progressView(p.nhs, p.step, () => this.cancelLookup()));
        break;
      case "result":
        replace(area, this.kiosk ? this.countdownLine() : null, resultView(p.view, { ...this.resultHandlers, slip: this.slipActions() }));
        break;
      case "failure":
        replace(area, this.kiosk ? this.countdownLine() : null, failureView(p.nhs, p.error, adviceFor(p.error).action, this.resultHandlers));
        break;
      case "searching":
        replace(area, h("p", { class: "nhsuk-body-l", id: "searching", role: "status" }, "Searching PDS…"));
        break;
      case "matches":
        replace(area, this.kiosk ? this.countdownLine() : null, matchesView(p.matches, (nhs) => this.pickMatch(nhs)));
        break;
      case "search_failure":
        replace(
          area,
          errorSummary(
            "search-error",
            "The search could not be completed",
            h("p", { id: "search-error-message" }, p.error.message),
            h("p", null, adviceFor(p.error).action),
            p.error.trace_id ? h("p", { class: "nhsuk-body-s" }, `Trace ID: ${p.error.trace_id}`) : null,
          ),
        );
        break;
      case "notice":
        replace(area, h("div", { class: "nhsuk-inset-text", id: p.id }, hidden("Information: "), h("p", null, p.text)));
        break;
    }
  }

  // Stryker restore all
  /** The countdown line, filled at once (a redraw never leaves it blank until the next tick). */
  private countdownLine(): HTMLElement {
    return h("p", { class: "vm-countdown", id: "kiosk-countdown", role: "timer" }, this.countdownText());
  }

  // Stryker disable all
  private focus(selector: string): void {
    const el = this.root.querySelector<HTMLElement>(selector);
    el?.focus();
  }
}

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  if (target instanceof HTMLTextAreaElement) return !target.readOnly;
  if (target instanceof HTMLInputElement) {
    const nonText = ["checkbox", "radio", "button", "submit", "reset", "file", "image", "range", "color"];
    return !target.readOnly && !nonText.includes(target.type);
  }
  return (target as HTMLElement).isContentEditable === true;
}

/** Keys that would make a browser navigate or reload: never wanted in the app's webview. */
export function isNavigationKey(e: KeyboardEvent): boolean {
  const key = e.key;
  if (key === "Backspace") return !isEditable(e.target);
  if (e.altKey && (key === "ArrowLeft" || key === "ArrowRight" || key === "Home")) return true;
  if (key === "F5" || key === "BrowserBack" || key === "BrowserForward" || key === "BrowserRefresh" || key === "BrowserHome") return true;
  if ((e.ctrlKey || e.metaKey) && (key === "r" || key === "R" || key === "F5")) return true;
  return false;
}

/** Starts the app in `root` (the page body) with the given IPC. */
export function startApp(root: HTMLElement, ipc: Ipc): App {
  const app = new App(root, ipc);
  void app.start();
  return app;
}
