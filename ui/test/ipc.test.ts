// The IPC contract with the Rust shell: command names, camelCase argument names, event names,
// and what a rejected invoke becomes.

import { afterEach, describe, expect, it, vi } from "vitest";
import { PROGRESS_EVENT, SESSION_EVENT, tauriIpc, toIpcError } from "../src/ipc";

function installTauri() {
  const invoke = vi.fn(async (_cmd: string, _args?: Record<string, unknown>): Promise<unknown> => null);
  const listeners = new Map<string, (e: { payload: unknown }) => void>();
  const listen = vi.fn(async (name: string, cb: (e: { payload: unknown }) => void) => {
    listeners.set(name, cb);
    return () => listeners.delete(name);
  });
  window.__TAURI__ = { core: { invoke: invoke as never }, event: { listen: listen as never } };
  return { invoke, listeners };
}

afterEach(() => {
  delete window.__TAURI__;
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
      ["app_info", undefined],
      ["session_view", undefined],
      ["query_tries", undefined],
      ["sign_in", { passcode: "1234", confirmLastTry: true }],
      ["choose_role", { roleProfileId: "555021936109" }],
      ["sign_out", undefined],
      ["touch", undefined],
      ["lookup", { nhsNumber: "9990000018", lookupId: 7 }],
      ["cancel_lookup", { lookupId: 7 }],
      ["search_patients", { terms }],
    ]);
  });

  it("listens to the shell's events and hands over their payloads", async () => {
    const { listeners } = installTauri();
    const ipc = tauriIpc();
    const session = vi.fn();
    const progress = vi.fn();
    await ipc.onSession(session);
    await ipc.onLookupProgress(progress);
    expect([...listeners.keys()]).toEqual(["vmcheck://session", "vmcheck://lookup-progress"]);
    expect(SESSION_EVENT).toBe("vmcheck://session");
    expect(PROGRESS_EVENT).toBe("vmcheck://lookup-progress");
    listeners.get(SESSION_EVENT)!({ payload: { event: "locked", reason: "card_removed" } });
    listeners.get(PROGRESS_EVENT)!({ payload: { lookup_id: 3, step: "querying" } });
    expect(session).toHaveBeenCalledWith({ event: "locked", reason: "card_removed" });
    expect(progress).toHaveBeenCalledWith({ lookup_id: 3, step: "querying" });
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
    expect(() => tauriIpc()).toThrow(/withGlobalTauri/);
    expect(toIpcError(new Error("boom")).message).toBe("boom");
  });
});
