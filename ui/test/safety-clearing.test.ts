// The controller's safety rules, beyond app.test.ts: what a lock clears (screen and memory) and
// what it keeps, the kiosk countdown, and that a stale answer — of a lookup or a search, a result
// or a failure — is never shown. (Written to kill the mutants StrykerJS found surviving:
// `npm run mutants`.)

import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../src/app";
import type { IpcError } from "../src/bindings/IpcError";
import type { SessionView } from "../src/bindings/SessionView";
import { appInfo, lookupView, MATCHES, session } from "../src/dev-fake";
import { $, bodyHtml, deferred, FakeIpc, flush, lookUp, must, startApp, submit, type } from "./helpers";

afterEach(() => {
  vi.useRealTimers();
});

/** The controller's private state, for the checks that need it. */
interface Internals {
  session: SessionView | null;
  requestSeq: number;
  pane: { kind: string; id?: unknown };
  isCurrent(id: number): boolean;
}
const internals = (app: App) => app as unknown as Internals;

/** The follow-up `session_view` a lock triggers never answers. */
function holdSessionView(ipc: FakeIpc): void {
  ipc.sessionView.mockImplementation(() => new Promise<SessionView>(() => undefined));
}

const spineDown = (trace: string): IpcError => ({ code: "SPINE_UNREACHABLE", message: "Spine did not answer", detail: null, trace_id: trace });

function searchTaylor(): void {
  type("#search-family", "Taylor");
  type("#search-dob-day", "11");
  type("#search-dob-month", "2");
  type("#search-dob-year", "1998");
  must<HTMLSelectElement>("#search-gender").value = "female";
  submit("#search-form");
}

describe("a lock", () => {
  it("closes Settings: sign-in shows at once, and signing back in opens the lookup", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    must("#settings-link").click();
    expect($("#settings")).not.toBeNull();
    ipc.lock("idle_timeout");
    expect($("#settings")).toBeNull();
    expect(must("#lock-message").textContent).toContain("not used for a while");
    await flush();
    ipc.emit({ event: "changed", view: session("ready", { training: false }) });
    expect($("#settings")).toBeNull();
    expect($("#nhs-number")).not.toBeNull();
  });

  it.each([
    ["no_reader", "reader_removed", "Connect a smartcard reader", "the smartcard reader was disconnected"],
    ["no_service", "service_stopped", "Smartcard service not running", "the smartcard service stopped"],
  ] as const)("after the session went to %s keeps saying so, not 'insert your card'", async (state, reason, status, message) => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    await ipc.answerLast();
    holdSessionView(ipc);
    ipc.emit({ event: "changed", view: session(state, { training: false }) });
    ipc.emit({ event: "locked", reason });
    expect(must("#signin-status").textContent).toContain(status);
    expect(must("#signin-status").textContent).not.toContain("Insert your smartcard");
    expect(must("#lock-message").textContent).toContain(message);
    expect(bodyHtml()).not.toContain("TAYLOR");
  });

  it("forgets the user, roles, passcode state and certificate warning from memory at once", async () => {
    const { app, ipc } = await startApp({ view: { certificate_warning: "Your certificate expires on 14 March 2026." } });
    holdSessionView(ipc);
    ipc.emit({ event: "locked", reason: "card_removed" });
    const s = internals(app).session!;
    expect(s.state).toBe("waiting_for_card");
    expect(s.user).toBeNull();
    expect(s.roles).toEqual([]);
    expect(s.role).toBeNull();
    expect(s.pin).toBeNull();
    expect(s.certificate_warning).toBeNull();
    expect(s.locked_reason).toBe("card_removed");
    expect($("#certificate-warning")).toBeNull();
  });

  it("then follows the shell's session: a card still in the reader asks for the passcode, without the last-try confirmation", async () => {
    const { ipc } = await startApp();
    ipc.lock("idle_timeout"); // the engine: the card is still in, the session is back to card_present
    expect($("#passcode")).toBeNull();
    expect(must("#signin-status").textContent).toContain("Insert your smartcard");
    await flush();
    expect($("#passcode")).not.toBeNull();
    expect(must("#passcode-hint").textContent).toBe("3 tries left before the card is locked.");
    expect($("#confirm-last-try")).toBeNull();
    expect(must("#lock-message").textContent).toContain("not used for a while");
  });

  it("forgets a passcode error and a last-try confirmation asked for before it", async () => {
    const { ipc } = await startApp({ state: "card_present", view: { pin: null } });
    ipc.signInResult = async () => {
      throw { code: "CONFIRM_LAST_TRY", message: "One try is left: a wrong passcode will lock the card. Confirm to continue", detail: null, trace_id: null };
    };
    type("#passcode", "1234");
    submit("#sign-in-form");
    await flush();
    expect($("#confirm-last-try")).not.toBeNull();
    ipc.lock("card_removed");
    await flush();
    ipc.emit({ event: "changed", view: session("card_present", { training: false }) });
    expect($("#passcode")).not.toBeNull();
    expect($("#confirm-last-try")).toBeNull();
    expect($("#confirm-last-try-error")).toBeNull();
  });

  it("arriving before the first session view is handled: still starting, then sign-in with the reason", async () => {
    document.body.replaceChildren();
    const ipc = new FakeIpc(appInfo("desk", false), session("waiting_for_card", { training: false }));
    const view = deferred<SessionView>();
    ipc.sessionView.mockImplementation(() => view.promise);
    const app = new App(document.body, ipc);
    const started = app.start();
    await flush();
    expect(ipc.sessionView).toHaveBeenCalled();
    ipc.emit({ event: "locked", reason: "card_removed" });
    expect(must("#loading").textContent).toBe("Starting V&M Check…");
    expect($("#startup-error")).toBeNull();
    view.resolve(session("waiting_for_card", { training: false }));
    await started;
    await flush();
    expect(must("#signin-status").textContent).toContain("Insert your smartcard");
    expect(must("#lock-message").textContent).toContain("smartcard was removed");
    app.destroy();
  });

  it("ends a role change in progress, even if the shell's session view fails", async () => {
    const { ipc } = await startApp();
    must("#change-role").click();
    expect($("#role-form")).not.toBeNull();
    ipc.sessionView.mockImplementation(async () => {
      throw { code: "NO_SERVICE", message: "The smartcard service is not running", detail: null, trace_id: null };
    });
    ipc.emit({ event: "locked", reason: "idle_timeout" });
    await flush();
    ipc.emit({ event: "changed", view: session("ready", { training: false }) });
    expect($("#role-form")).toBeNull();
    expect($("#nhs-number")).not.toBeNull();
  });

  it("leaves no answer from before it to be shown after signing back in, even for a new lookup", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    const before = ipc.lookups[0]!;
    holdSessionView(ipc);
    ipc.lock("card_removed");
    ipc.emit({ event: "changed", view: session("ready", { training: false }) });
    lookUp("9990000042");
    const after = ipc.lookups[1]!;
    expect(after.id).not.toBe(before.id);
    before.d.resolve(lookupView("9990000018", before.id));
    await flush();
    expect($("#banner")).toBeNull();
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect(must("#progress-heading").textContent).toBe("Checking NHS number 999 000 0042");
    after.d.resolve(lookupView("9990000042", after.id));
    await flush();
    expect(must("#banner-nhs-number").textContent).toBe("999 000 0042");
  });
});

describe("leaving ready without a lock event", () => {
  it("clears the result from memory too: signing back in shows no result, and the lookup (not a role choice)", async () => {
    const { app, ipc } = await startApp();
    lookUp("9990000018");
    await ipc.answerLast();
    ipc.emit({ event: "changed", view: session("card_present", { training: false }) });
    expect(internals(app).pane).toEqual({ kind: "empty" });
    ipc.emit({ event: "changed", view: session("ready", { training: false }) });
    expect($("#nhs-number")).not.toBeNull();
    expect($("#role-form")).toBeNull();
    expect($("#banner")).toBeNull();
    expect($("#result-empty")).not.toBeNull();
    expect(bodyHtml()).not.toContain("TAYLOR");
  });

  it("clears on the state alone, even when the view still carries the same role", async () => {
    const { app, ipc } = await startApp();
    lookUp("9990000018");
    await ipc.answerLast();
    ipc.emit({ event: "changed", view: { ...ipc.view, state: "no_reader" } });
    expect(internals(app).pane).toEqual({ kind: "empty" });
    expect(bodyHtml()).not.toContain("TAYLOR");
    ipc.emit({ event: "changed", view: { ...ipc.view, state: "ready" } });
    expect($("#banner")).toBeNull();
    expect($("#result-empty")).not.toBeNull();
  });

  it("but a session update that stays ready with the same role keeps the result", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    await ipc.answerLast();
    ipc.emit({ event: "changed", view: { ...ipc.view, certificate_warning: "Your certificate expires on 14 March 2026." } });
    expect(must("#certificate-warning").textContent).toContain("14 March 2026");
    expect(must("#banner-nhs-number").textContent).toBe("999 000 0018");
  });
});

describe("starting a lookup", () => {
  it("does nothing unless signed in with a role", async () => {
    const { app, ipc } = await startApp({ state: "waiting_for_card" });
    app.startLookup("9990000018");
    expect(ipc.lookup).not.toHaveBeenCalled();
    expect($("#progress")).toBeNull();
    const notStarted = new App(document.createElement("div"), ipc);
    expect(() => notStarted.startLookup("9990000018")).not.toThrow();
    expect(ipc.lookup).not.toHaveBeenCalled();
  });

  it("from Settings runs, and its result is there on coming back", async () => {
    const { app, ipc } = await startApp({ mode: "desk" });
    must("#settings-link").click();
    expect(() => app.startLookup("9990000018")).not.toThrow();
    await ipc.answerLast();
    must("#settings-back").click();
    expect(must("#banner-nhs-number").textContent).toBe("999 000 0018");
  });
});

describe("stale answers are dropped", () => {
  it("a failed lookup that is no longer the latest shows nothing, and the latest failure is announced", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    lookUp("9990000042");
    ipc.lookups[0]!.d.reject(spineDown("t-1"));
    await flush();
    expect($("#lookup-error")).toBeNull();
    expect(must("#progress-heading").textContent).toBe("Checking NHS number 999 000 0042");
    expect(must("#announcer").textContent).toBe("");
    ipc.lookups[1]!.d.reject(spineDown("t-2"));
    await flush();
    expect(must("#announcer").textContent).toBe("The check could not be completed. Spine did not answer");
    expect(must("#lookup-error-message").textContent).toBe("Spine did not answer.");
    expect(must("#lookup-error .nhsuk-error-summary__body > p:nth-child(3)").textContent).toBe("NHS number asked about: 999 000 0042");
    expect(must("#trace-id").textContent).toBe("t-2");
  });

  it("search matches arriving after a lookup started are not shown", async () => {
    const { ipc } = await startApp();
    searchTaylor();
    lookUp("9990000042");
    ipc.searches[0]!.d.resolve(MATCHES);
    await flush();
    expect($("#search-results")).toBeNull();
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect($("#progress")).not.toBeNull();
  });

  it("the latest search's failure is shown, with what to do and the trace id", async () => {
    const { ipc } = await startApp();
    searchTaylor();
    ipc.searches[0]!.d.reject({ code: "PDS_UNREACHABLE", message: "PDS could not be reached", detail: null, trace_id: "t-4" });
    await flush();
    expect(must("#search-error-heading").textContent).toBe("The search could not be completed");
    expect(must("#search-error-message").textContent).toBe("PDS could not be reached");
    expect(must("#search-error").textContent).toContain("Try again. If it keeps happening, contact the service desk.");
    expect(must("#search-error").textContent).toContain("Trace ID: t-4");
    expect($("#searching")).toBeNull();
  });

  it("a failed search that is no longer the latest shows nothing", async () => {
    const { ipc } = await startApp();
    searchTaylor();
    searchTaylor();
    ipc.searches[0]!.d.reject(spineDown("t-3"));
    await flush();
    expect($("#search-error")).toBeNull();
    expect($("#searching")).not.toBeNull();
    ipc.searches[1]!.d.resolve(MATCHES);
    await flush();
    expect($("#match-9990000018")).not.toBeNull();
  });

  it("each condition of the rule holds on its own (defence in depth)", async () => {
    const { app, ipc } = await startApp();
    lookUp("9990000018");
    const id = ipc.lookups[0]!.id;
    const a = internals(app);
    const progress = { ...a.pane };
    const ready = a.session;
    expect(a.isCurrent(id)).toBe(true);
    // Not the latest request, though the pane still shows this one.
    a.requestSeq = id + 1;
    expect(a.isCurrent(id)).toBe(false);
    a.requestSeq = id;
    // The pane shows another request.
    a.pane = { ...progress, id: id + 1 };
    expect(a.isCurrent(id)).toBe(false);
    // The pane is not a running lookup or search, though it carries the id.
    a.pane = { kind: "notice", id };
    expect(a.isCurrent(id)).toBe(false);
    a.pane = progress;
    // Not signed in with a role, or no session at all.
    a.session = { ...ready!, state: "card_present" };
    expect(a.isCurrent(id)).toBe(false);
    a.session = null;
    expect(a.isCurrent(id)).toBe(false);
    a.session = ready;
    expect(a.isCurrent(id)).toBe(true);
  });
});

describe("the session view a lock asks for", () => {
  it("never overwrites a newer view that arrived meanwhile", async () => {
    const { ipc } = await startApp();
    const stale = deferred<SessionView>();
    ipc.sessionView.mockImplementation(() => stale.promise);
    ipc.emit({ event: "locked", reason: "card_removed" });
    expect(must("#signin-status").textContent).toContain("Insert your smartcard");
    // The card goes back in before the shell answers the lock's question.
    ipc.emit({ event: "changed", view: session("card_present", { training: false }) });
    stale.resolve(session("waiting_for_card", { training: false }));
    await flush();
    expect($("#passcode")).not.toBeNull();
  });

  it("is applied when nothing newer came", async () => {
    const { ipc } = await startApp();
    const answer = deferred<SessionView>();
    ipc.sessionView.mockImplementation(() => answer.promise);
    ipc.emit({ event: "locked", reason: "idle_timeout" });
    answer.resolve(session("card_present", { training: false }));
    await flush();
    expect($("#passcode")).not.toBeNull();
  });
});

describe("the kiosk countdown", () => {
  /** Timers still pending once jsdom's own short ones (focus and selection events) have run;
   *  50 ms is far from the countdown's next 1 s tick. */
  async function timersLeft(): Promise<number> {
    await vi.advanceTimersByTimeAsync(50);
    return vi.getTimerCount();
  }
  const kiosk = { mode: "kiosk" as const, info: { kiosk: { result_clear_secs: 30, idle_lock_secs: 120 } } };

  it("is a timer line that counts down to 1 second, then clears and puts the cursor back in the NHS number", async () => {
    vi.useFakeTimers();
    const { ipc } = await startApp(kiosk);
    lookUp("9990000018");
    await ipc.answerLast();
    const line = must("#kiosk-countdown");
    expect(line.tagName).toBe("P");
    expect(line.getAttribute("class")).toBe("vm-countdown");
    expect(line.getAttribute("role")).toBe("timer");
    await vi.advanceTimersByTimeAsync(29_000);
    expect(must("#kiosk-countdown").textContent).toBe("This result will clear in 1 second");
    must("#copy-trace-id").focus();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(must("#result-cleared").textContent).toBe("Information: The result was cleared. Enter an NHS number to check another patient.");
    expect(document.activeElement?.id).toBe("nhs-number");
    expect(await timersLeft()).toBe(0);
  });

  it("leaves no timer running after a lock or a new lookup", async () => {
    vi.useFakeTimers();
    const { ipc } = await startApp(kiosk);
    lookUp("9990000018");
    await ipc.answerLast();
    expect(await timersLeft()).toBe(1);
    lookUp("9990000042");
    expect(await timersLeft()).toBe(0);
    await ipc.answerLast();
    expect(await timersLeft()).toBe(1);
    ipc.lock("card_removed");
    expect(await timersLeft()).toBe(0);
  });

  it("runs for a lookup started (through the API) while the role choice is on screen, and shows once back", async () => {
    vi.useFakeTimers();
    const { app, ipc } = await startApp(kiosk);
    must("#change-role").click();
    expect($("#result-area")).toBeNull();
    expect(() => app.startLookup("9990000018")).not.toThrow();
    await ipc.answerLast();
    await vi.advanceTimersByTimeAsync(2_000);
    expect($("#banner")).toBeNull();
    must("#role-cancel").click();
    expect(must("#banner-nhs-number").textContent).toBe("999 000 0018");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(must("#kiosk-countdown").textContent).toBe("This result will clear in 27 seconds");
    await vi.advanceTimersByTimeAsync(27_000);
    expect($("#banner")).toBeNull();
    expect($("#result-cleared")).not.toBeNull();
  });

  it("clears a list of matches too: names and dates of birth never wait for the next person", async () => {
    vi.useFakeTimers();
    const { ipc } = await startApp(kiosk);
    searchTaylor();
    ipc.searches[0]!.d.resolve(MATCHES);
    await flush();
    expect(bodyHtml()).toContain("TAYLOR");
    expect(must("#kiosk-countdown").textContent).toBe("These search results will clear in 30 seconds");
    await vi.advanceTimersByTimeAsync(29_000);
    expect(must("#kiosk-countdown").textContent).toBe("These search results will clear in 1 second");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect($("#search-results")).toBeNull();
    expect($("#result-cleared")).not.toBeNull();
    expect(await timersLeft()).toBe(0);
  });

  it("only ever says how long is left, even right after the screen is redrawn", async () => {
    vi.useFakeTimers();
    const { ipc } = await startApp(kiosk);
    lookUp("9990000018");
    await ipc.answerLast();
    await vi.advanceTimersByTimeAsync(5_000);
    ipc.emit({ event: "changed", view: { ...ipc.view, certificate_warning: "Your certificate expires on 14 March 2026." } });
    expect(must("#banner-nhs-number").textContent).toBe("999 000 0018");
    expect(must("#kiosk-countdown").textContent).toBe("This result will clear in 25 seconds");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(must("#kiosk-countdown").textContent).toBe("This result will clear in 24 seconds");
  });
});
