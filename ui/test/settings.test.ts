import { describe, expect, it } from "vitest";
import { $, flush, must, startApp, submit } from "./helpers";

async function openSettings(mode: "desk" | "kiosk" | "training") {
  const started = await startApp({ state: "ready", mode });
  if (mode !== "kiosk") must("#settings-link").click();
  await flush();
  return started;
}

describe("settings", () => {
  it("at a desk, the user's own settings can be changed and are saved", async () => {
    const { ipc } = await openSettings("desk");
    must<HTMLInputElement>("#pref-format-xml").click();
    const idle = must<HTMLInputElement>("#pref-idle");
    idle.value = "5";
    must<HTMLSelectElement>("#pref-log").value = "debug";
    submit("#preferences");
    await flush();
    expect(ipc.saveSettings).toHaveBeenCalledWith(expect.objectContaining({ format: "xml", idle_lock_minutes: 5, log_level: "debug" }));
    expect(must("#pref-saved").textContent).toContain("apply the next time V&M Check starts");
  });

  it("refuses an idle time out of range without calling the app", async () => {
    const { ipc } = await openSettings("desk");
    const idle = must<HTMLInputElement>("#pref-idle");
    for (const bad of ["0", "61", "ten", "1.5"]) {
      idle.value = bad;
      submit("#preferences");
      await flush();
      expect(must("#pref-idle-error").textContent).toContain("from 1 to 60");
    }
    expect(ipc.saveSettings).not.toHaveBeenCalled();
  });

  it("shows the app's refusal and keeps the form", async () => {
    const { ipc } = await openSettings("desk");
    ipc.saveSettings.mockImplementationOnce(async () => {
      throw { code: "SETTINGS_INVALID", message: "the configuration file could not be saved: disk full", detail: null, trace_id: null };
    });
    submit("#preferences");
    await flush();
    expect(must("#pref-error").textContent).toContain("disk full");
    expect(document.querySelector("#pref-saved")).toBeNull();
  });

  it("shows what the organisation locked as locked, and keeps to its bounds", async () => {
    const preferences = { format: "xml" as const, idle_lock_minutes: 10, log_level: "info" as const, locked: ["vandm.format"], max_idle_lock_minutes: 10, max_log_level: "info" as const };
    const started = await startApp({ state: "ready", mode: "desk", info: { preferences } });
    must("#settings-link").click();
    await flush();
    const { ipc } = started;
    expect(must<HTMLInputElement>("#pref-format-json").disabled).toBe(true);
    expect(must<HTMLInputElement>("#pref-format-xml").disabled).toBe(true);
    expect(must("#pref-format-locked").textContent).toContain("Set by your organisation");
    expect(must<HTMLInputElement>("#pref-idle").disabled).toBe(false);
    expect($("#pref-idle-locked")).toBeNull();
    // No log level above the organisation's maximum is offered.
    const options = [...must<HTMLSelectElement>("#pref-log").options].map((o) => o.value);
    expect(options).toEqual(["error", "warn", "info"]);
    const idle = must<HTMLInputElement>("#pref-idle");
    idle.value = "11";
    submit("#preferences");
    await flush();
    expect(must("#pref-idle-error").textContent).toContain("from 1 to 10");
    expect(ipc.saveSettings).not.toHaveBeenCalled();
    idle.value = "9";
    submit("#preferences");
    await flush();
    expect(ipc.saveSettings).toHaveBeenCalledWith(expect.objectContaining({ format: "xml", idle_lock_minutes: 9 }));
  });

  it("checks this computer and shows each check with its verdict in words and what to do", async () => {
    const { ipc } = await openSettings("desk");
    ipc.checkComputer.mockImplementationOnce(async () => ({
      checks: [
        { id: "config", title: "Configuration", verdict: "pass" as const, detail: "valid: /etc/vmcheck/config.toml", fix: null },
        { id: "smartcard", title: "Smartcard readers", verdict: "fail" as const, detail: "the PC/SC service (pcscd) is not running", fix: "Start it: sudo systemctl enable --now pcscd.socket" },
        { id: "clock", title: "Clock", verdict: "warn" as const, detail: "PDS: 45 s ahead", fix: "Set the clock." },
        { id: "central_audit", title: "Central audit", verdict: "skip" as const, detail: "not configured", fix: null },
      ],
    }));
    must("#check-computer").click();
    await flush();
    expect(ipc.checkComputer).toHaveBeenCalledTimes(1);
    expect(must("#check-summary").textContent).toBe("1 check failed: V&M checks will not work here until it is fixed.");
    expect(must("#check-config").textContent).toContain("Working");
    const card = must("#check-smartcard");
    expect(card.classList.contains("vm-check--fail")).toBe(true);
    expect(card.textContent).toContain("Not working");
    expect(card.textContent).toContain("What to do: Start it: sudo systemctl enable --now pcscd.socket");
    expect(must("#check-clock").textContent).toContain("Needs attention");
    expect(must("#check-central_audit").textContent).toContain("Not checked");
    expect(must<HTMLButtonElement>("#check-computer").disabled).toBe(false);
  });

  it("says so when the checks cannot be run", async () => {
    const { ipc } = await openSettings("desk");
    ipc.checkComputer.mockImplementationOnce(async () => {
      throw { code: "INTERNAL", message: "the app is shutting down", detail: null, trace_id: null };
    });
    must("#check-computer").click();
    await flush();
    expect(must("#check-error").textContent).toContain("the app is shutting down");
  });

  it("is read-only in training mode", async () => {
    await openSettings("training");
    expect(document.querySelector("#preferences")).toBeNull();
    expect(must("#settings").textContent).toContain("contact IT");
  });
});
