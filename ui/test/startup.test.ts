// Start-up: how few round trips the page makes to the shell before the sign-in screen (one, when
// the event stream's start brings the session), and that none of them is skipped or raced.

import { describe, expect, it } from "vitest";
import { App } from "../src/app";
import type { Unlisten } from "../src/ipc";
import type { SessionView } from "../src/bindings/SessionView";
import { appInfo, session } from "../src/dev-fake";
import { deferred, FakeIpc, flush, must } from "./helpers";

function fresh(): FakeIpc {
  document.body.replaceChildren();
  return new FakeIpc(appInfo("desk", false), session("waiting_for_card", { training: false }));
}

describe("start-up", () => {
  it("asks for the three event streams and the app info at once, and the session view only once all three listen", async () => {
    const ipc = fresh();
    const listening = deferred<Unlisten>();
    ipc.onSession.mockImplementation(() => listening.promise);
    const app = new App(document.body, ipc);
    const started = app.start();
    await flush();
    expect(ipc.onSession).toHaveBeenCalledTimes(1);
    expect(ipc.onLookupProgress).toHaveBeenCalledTimes(1);
    expect(ipc.onWorklistProgress).toHaveBeenCalledTimes(1);
    expect(ipc.appInfo).toHaveBeenCalledTimes(1);
    expect(ipc.sessionView).not.toHaveBeenCalled();
    listening.resolve(() => undefined);
    await started;
    expect(ipc.sessionView).toHaveBeenCalledTimes(1);
    expect(must("#signin-status").textContent).toContain("Insert your smartcard");
    app.destroy();
  });

  it("when the event stream's start brings the session, the first screen comes from it and no session view is asked for: one round trip", async () => {
    const ipc = fresh();
    // As the shell's start does: the session as it is now, before the page is told it listens.
    ipc.onSession.mockImplementation(async (h) => {
      h({ event: "changed", view: session("card_present", { training: false }) });
      return () => undefined;
    });
    const app = new App(document.body, ipc);
    await app.start();
    expect(ipc.sessionView).not.toHaveBeenCalled();
    expect(document.querySelector("#passcode")).not.toBeNull();
    app.destroy();
  });

  it("a session change arriving while the session view is on its way wins over that view", async () => {
    const ipc = fresh();
    const view = deferred<SessionView>();
    ipc.sessionView.mockImplementation(() => view.promise);
    const app = new App(document.body, ipc);
    const started = app.start();
    await flush();
    ipc.emit({ event: "changed", view: session("choose_role", { training: false }) });
    view.resolve(session("waiting_for_card", { training: false }));
    await started;
    await flush();
    expect(document.body.textContent).not.toContain("Insert your smartcard");
    app.destroy();
  });

  it("a stream that cannot be followed stops start-up with the error, and the others stop listening", async () => {
    const ipc = fresh();
    let stopped = 0;
    ipc.onSession.mockImplementation(async () => () => {
      stopped += 1;
    });
    ipc.onWorklistProgress.mockImplementation(async () => {
      throw { code: "INTERNAL", message: "The event stream could not be followed", detail: null, trace_id: null };
    });
    const app = new App(document.body, ipc);
    await app.start();
    expect(must("#startup-error").textContent).toContain("The event stream could not be followed");
    expect(ipc.sessionView).not.toHaveBeenCalled();
    app.destroy();
    expect(stopped).toBe(1);
  });
});
