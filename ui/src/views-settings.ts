// Settings: a read-only summary of how this installation is configured (desk and training
// modes only; the kiosk has no settings page).

import type { AppInfo } from "./bindings/AppInfo";
import type { Preferences } from "./bindings/Preferences";
import { h } from "./dom";
import { button, errorSummary, setFieldError, summaryList } from "./forms";

const MODE_NAMES: Record<string, string> = { desk: "Desk", kiosk: "Kiosk", training: "Training" };
const ENVIRONMENT_NAMES: Record<string, string> = {
  sandbox: "Sandbox (training — not real patient data)",
  integration: "Integration (test)",
  live: "Live",
};

export function duration(secs: number): string {
  if (secs % 60 === 0 && secs >= 60) {
    const m = secs / 60;
    return `${m} ${m === 1 ? "minute" : "minutes"}`;
  }
  return `${secs} ${secs === 1 ? "second" : "seconds"}`;
}

/** Saves preferences; resolves with the new summary or rejects with a message. */
export type SavePreferences = (p: Preferences) => Promise<AppInfo>;

function radio(name: string, id: string, value: string, label: string, checked: boolean): HTMLElement {
  return h(
    "div",
    { class: "nhsuk-radios__item" },
    h("input", { class: "nhsuk-radios__input", id, name, type: "radio", value, checked: checked ? "checked" : null }),
    h("label", { class: "nhsuk-label nhsuk-radios__label", for: id }, label),
  );
}

/** The desk-only form for the few settings a user may change. */
export function preferencesForm(prefs: Preferences, onSave: SavePreferences): HTMLElement {
  const status = h("div", { id: "pref-status", role: "status" });
  const idle = h("input", {
    class: "nhsuk-input nhsuk-input--width-2",
    id: "pref-idle",
    name: "pref-idle",
    type: "text",
    inputmode: "numeric",
    value: String(prefs.idle_lock_minutes),
    "aria-describedby": "pref-idle-hint",
  });
  const level = h(
    "select",
    { class: "nhsuk-select", id: "pref-log", name: "pref-log" },
    ...(["error", "warn", "info", "debug"] as const).map((l) =>
      h("option", { value: l, selected: prefs.log_level === l ? "selected" : null }, { error: "Errors only", warn: "Warnings", info: "Normal", debug: "Detailed (for the service desk)" }[l]),
    ),
  );
  const save = button("pref-save", "Save settings", { type: "submit" });
  const form = h(
    "form",
    { id: "preferences", novalidate: "novalidate" },
    h("h2", { class: "nhsuk-heading-m" }, "Your settings"),
    h(
      "fieldset",
      { class: "nhsuk-fieldset nhsuk-form-group" },
      h("legend", { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s" }, "Format asked of Spine"),
      h(
        "div",
        { class: "nhsuk-radios nhsuk-radios--inline" },
        radio("pref-format", "pref-format-json", "json", "JSON", prefs.format === "json"),
        radio("pref-format", "pref-format-xml", "xml", "XML", prefs.format === "xml"),
      ),
    ),
    h(
      "div",
      { class: "nhsuk-form-group" },
      h("label", { class: "nhsuk-label nhsuk-label--s", for: "pref-idle" }, "Sign out after inactivity (minutes)"),
      h("div", { class: "nhsuk-hint", id: "pref-idle-hint" }, "From 1 to 60."),
      idle,
    ),
    h("div", { class: "nhsuk-form-group" }, h("label", { class: "nhsuk-label nhsuk-label--s", for: "pref-log" }, "Log detail"), level),
    status,
    save,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const minutes = Number(idle.value.trim());
    setFieldError(idle, null);
    if (!/^\d+$/.test(idle.value.trim()) || minutes < 1 || minutes > 60) {
      setFieldError(idle, "Enter a whole number of minutes from 1 to 60");
      idle.focus();
      return;
    }
    const format = (form.querySelector<HTMLInputElement>("input[name=pref-format]:checked")?.value ?? "json") as Preferences["format"];
    save.disabled = true;
    status.replaceChildren();
    onSave({ format, idle_lock_minutes: minutes, log_level: level.value as Preferences["log_level"] })
      .then(() => {
        status.replaceChildren(
          h(
            "div",
            { class: "nhsuk-inset-text", id: "pref-saved" },
            h("p", null, "Saved. The new settings apply the next time V&M Check starts."),
          ),
        );
      })
      .catch((err: unknown) => {
        const message = typeof err === "object" && err !== null && "message" in err ? String((err as { message: unknown }).message) : String(err);
        status.replaceChildren(errorSummary("pref-error", "The settings were not saved", h("p", null, message)));
      })
      .finally(() => {
        save.disabled = false;
      });
  });
  return form;
}

export function settingsView(info: AppInfo, onBack: () => void, onSave?: SavePreferences): HTMLElement {
  const editable = info.mode === "desk" && info.preferences !== null && onSave !== undefined;
  return h(
    "div",
    { class: "vm-settings", id: "settings" },
    h("h1", { class: "nhsuk-heading-l" }, "Settings"),
    h(
      "p",
      null,
      editable
        ? "These settings come from this computer's configuration file. Your own settings are below; for the others, contact IT."
        : "These settings come from this computer's configuration file. To change them, contact IT.",
    ),
    summaryList(
      [
        ["Mode", MODE_NAMES[info.mode] ?? info.mode, "settings-mode"],
        ["Environment", ENVIRONMENT_NAMES[info.environment] ?? info.environment, "settings-environment"],
        ["Organisation", `${info.organisation.name} (${info.organisation.ods_code})`, "settings-organisation"],
        ["ODS code", info.organisation.ods_code, "settings-ods"],
        ["Client ASID", info.client_asid, "settings-asid"],
        ["PDS FHIR base URL", h("code", null, info.pds_base_url), "settings-pds"],
        ["SDS directory", info.sds_url ? h("code", null, info.sds_url) : "Not configured", "settings-sds"],
        ["V&M endpoint", info.vandm_endpoint ? h("code", null, info.vandm_endpoint) : "Found from SDS", "settings-vandm"],
        ["Sign out after inactivity", duration(info.idle_lock_secs), "settings-idle"],
        ["Version", info.version, "settings-version"],
      ],
      "settings-list",
    ),
    editable && info.preferences && onSave ? preferencesForm(info.preferences, onSave) : null,
    button("settings-back", "Back", { variant: "secondary", onclick: onBack }),
  );
}
