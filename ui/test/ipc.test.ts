// The IPC contract with the Rust shell: command names, camelCase argument names, the events
// asked for by `next_events`, and what a rejected invoke becomes.

import { afterEach, describe, expect, it, vi } from "vitest";
import { tauriIpc, toIpcError } from "../src/ipc";

// What the shell puts in the page for `@tauri-apps/api/core`: `isTauri`, and the internal
// `invoke` that its `invoke` calls (with `{}` for no arguments).
type TauriPage = { isTauri?: boolean; __TAURI_INTERNALS__?: { invoke: (...call: unknown[]) => Promise<unknown> } };

function installTauri() {
  const invoke = vi.fn(async (_cmd: string, _args?: unknown, _options?: unknown): Promise<unknown> => null);
  const page = window as unknown as TauriPage;
  page.isTauri = true;
  page.__TAURI_INTERNALS__ = {
    invoke: (cmd, args, options) => (options === undefined ? invoke(cmd as string, args) : invoke(cmd as string, args, options)),
  };
  return { invoke };
}

afterEach(() => {
  const page = window as unknown as TauriPage;
  delete page.isTauri;
  delete page.__TAURI_INTERNALS__;
});

describe("tauriIpc", () => {
  it("calls each command by its name with camelCase arguments", async () => {
    const { invoke } = installTauri();
    const ipc = tauriIpc();
    await ipc.appInfo();
    await ipc.sessionView();
    await ipc.queryTries();
    await ipc.signIn("1234", true);
    await ipc.chooseRole("555021936109");
    await ipc.signOut();
    await ipc.touch();
    await ipc.lookup("9990000018", 7);
    await ipc.cancelLookup(7);
    const terms = { family: "Taylor", given: null, gender: "female", birth_date: "1998-02-11", postcode: null };
    await ipc.searchPatients(terms);
    expect(invoke.mock.calls).toEqual([
      ["app_info", {}],
      ["session_view", {}],
      ["query_tries", {}],
      ["sign_in", { passcode: "1234", confirmLastTry: true }],
      ["choose_role", { roleProfileId: "555021936109" }],
      ["sign_out", {}],
      ["touch", {}],
      ["lookup", { nhsNumber: "9990000018", lookupId: 7 }],
      ["cancel_lookup", { lookupId: 7 }],
      ["search_patients", { terms }],
    ]);
  });

  it("asks the shell for its events with next_events and hands each kind to its own handlers", async () => {
    const { invoke } = installTauri();
    const answers = [
      { next: 4, events: [], missed: false },
      {
        next: 6,
        events: [
          { kind: "session", event: { event: "locked", reason: "card_removed" } },
          { kind: "lookup_progress", event: { lookup_id: 3, step: "querying" } },
        ],
        missed: false,
      },
    ];
    let release!: () => void;
    invoke.mockImplementation(async (cmd) => {
      if (cmd !== "next_events") return null;
      const answer = answers.shift();
      if (answer) return answer;
      return new Promise((resolve) => (release = () => resolve({ next: 6, events: [], missed: false })));
    });
    const ipc = tauriIpc();
    const session = vi.fn();
    const progress = vi.fn();
    const worklist = vi.fn();
    const stops = await Promise.all([ipc.onSession(session), ipc.onLookupProgress(progress), ipc.onWorklistProgress(worklist)]);
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledTimes(3));
    expect(invoke.mock.calls).toEqual([
      ["next_events", { after: null }],
      ["next_events", { after: 4 }],
      ["next_events", { after: 6 }],
    ]);
    expect(session).toHaveBeenCalledWith({ event: "locked", reason: "card_removed" });
    expect(progress).toHaveBeenCalledWith({ lookup_id: 3, step: "querying" });
    expect(worklist).not.toHaveBeenCalled();
    for (const stop of stops) stop();
    release();
  });

  it("turns any rejection into an IpcError", async () => {
    const { invoke } = installTauri();
    invoke.mockRejectedValueOnce({ code: "WRONG_PASSCODE", message: "The passcode is wrong. 2 tries left before the card is locked", detail: null });
    await expect(tauriIpc().signIn("0000", false)).rejects.toEqual({
      code: "WRONG_PASSCODE",
      message: "The passcode is wrong. 2 tries left before the card is locked",
      detail: null,
      trace_id: null,
    });
    invoke.mockRejectedValueOnce("command lookup not allowed");
    await expect(tauriIpc().touch()).rejects.toMatchObject({ code: "IPC_FAILED", message: "command lookup not allowed" });
  });

  it("says so when the Tauri API is missing", () => {
    expect(() => tauriIpc()).toThrow(/Tauri API is not available/);
    expect(toIpcError(new Error("boom")).message).toBe("boom");
  });
});
