// Settings: a read-only summary of how this installation is configured (desk and training
// modes only; the kiosk has no settings page).

import type { AppInfo } from "./bindings/AppInfo";
import type { Preferences } from "./bindings/Preferences";
import type { Check } from "./bindings/Check";
import type { DoctorReport } from "./bindings/DoctorReport";
import { icon, type IconName } from "./icons";
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

const LEVELS = ["error", "warn", "info", "debug"] as const;
const LEVEL_NAMES: Record<string, string> = { error: "Errors only", warn: "Warnings", info: "Normal", debug: "Detailed (for the service desk)" };

/** The line under a setting the organisation has fixed. */
function lockedHint(id: string): HTMLElement {
  return h("div", { class: "nhsuk-hint vm-locked", id }, "Set by your organisation: it cannot be changed here.");
}

/** The desk-only form for the few settings a user may change, within the organisation's bounds. */
export function preferencesForm(prefs: Preferences, onSave: SavePreferences): HTMLElement {
  const locked = (key: string): boolean => prefs.locked.includes(key);
  const maxMinutes = Math.min(60, prefs.max_idle_lock_minutes ?? 60);
  const maxLevel = prefs.max_log_level === null ? LEVELS.length - 1 : LEVELS.indexOf(prefs.max_log_level as (typeof LEVELS)[number]);
  const levels = LEVELS.filter((l, i) => i <= (maxLevel < 0 ? LEVELS.length - 1 : maxLevel) || l === prefs.log_level);
  const status = h("div", { id: "pref-status", role: "status" });
  const idle = h("input", {
    class: "nhsuk-input nhsuk-input--width-2",
    id: "pref-idle",
    name: "pref-idle",
    type: "text",
    inputmode: "numeric",
    value: String(prefs.idle_lock_minutes),
    "aria-describedby": locked("session.idle_lock_secs") ? "pref-idle-hint pref-idle-locked" : "pref-idle-hint",
    disabled: locked("session.idle_lock_secs") ? "disabled" : null,
  });
  const level = h(
    "select",
    {
      class: "nhsuk-select",
      id: "pref-log",
      name: "pref-log",
      disabled: locked("log.level") ? "disabled" : null,
      "aria-describedby": locked("log.level") ? "pref-log-locked" : null,
    },
    ...levels.map((l) => h("option", { value: l, selected: prefs.log_level === l ? "selected" : null }, LEVEL_NAMES[l])),
  );
  const formatLocked = locked("vandm.format");
  const formatRadio = (id: string, value: "json" | "xml", label: string): HTMLElement => {
    const item = radio("pref-format", id, value, label, prefs.format === value);
    const input = item.querySelector("input");
    if (formatLocked && input) input.disabled = true;
    return item;
  };
  const save = button("pref-save", "Save settings", { type: "submit" });
  const form = h(
    "form",
    { id: "preferences", novalidate: "novalidate" },
    h("h2", { class: "nhsuk-heading-m" }, "Your settings"),
    h(
      "fieldset",
      { class: "nhsuk-fieldset nhsuk-form-group" },
      h("legend", { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--s" }, "Format asked of Spine"),
      formatLocked ? lockedHint("pref-format-locked") : null,
      h(
        "div",
        { class: "nhsuk-radios nhsuk-radios--inline" },
        formatRadio("pref-format-json", "json", "JSON"),
        formatRadio("pref-format-xml", "xml", "XML"),
      ),
    ),
    h(
      "div",
      { class: "nhsuk-form-group" },
      h("label", { class: "nhsuk-label nhsuk-label--s", for: "pref-idle" }, "Sign out after inactivity (minutes)"),
      h("div", { class: "nhsuk-hint", id: "pref-idle-hint" }, `From 1 to ${maxMinutes}.`),
      locked("session.idle_lock_secs") ? lockedHint("pref-idle-locked") : null,
      idle,
    ),
    h(
      "div",
      { class: "nhsuk-form-group" },
      h("label", { class: "nhsuk-label nhsuk-label--s", for: "pref-log" }, "Log detail"),
      locked("log.level") ? lockedHint("pref-log-locked") : null,
      level,
    ),
    status,
    save,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const minutes = Number(idle.value.trim());
    setFieldError(idle, null);
    if (!/^\d+$/.test(idle.value.trim()) || minutes < 1 || minutes > maxMinutes) {
      setFieldError(idle, `Enter a whole number of minutes from 1 to ${maxMinutes}`);
      idle.focus();
      return;
    }
    const format = (form.querySelector<HTMLInputElement>("input[name=pref-format]:checked")?.value ?? "json") as Preferences["format"];
    save.disabled = true;
    status.replaceChildren();
    onSave({ ...prefs, format, idle_lock_minutes: minutes, log_level: level.value as Preferences["log_level"] })
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

/** Runs the computer's checks; resolves with the report or rejects with an `IpcError`. */
export type CheckComputer = () => Promise<DoctorReport>;

const VERDICT: Record<Check["verdict"], { words: string; icon: IconName | null }> = {
  pass: { words: "Working", icon: "tick" },
  warn: { words: "Needs attention", icon: "warning" },
  fail: { words: "Not working", icon: "cross" },
  skip: { words: "Not checked", icon: null },
};

/** One check: its verdict in colour, icon and words, what was found, and what to do. */
function checkRow(c: Check): HTMLElement {
  const v = VERDICT[c.verdict];
  return h(
    "li",
    { class: `vm-check vm-check--${c.verdict}`, id: `check-${c.id}` },
    h("span", { class: "vm-check__verdict" }, v.icon ? icon(v.icon, "vm-check__icon") : null, v.words),
    h("strong", { class: "vm-check__title" }, c.title),
    h("span", { class: "vm-check__detail" }, c.detail),
    c.fix ? h("span", { class: "vm-check__fix" }, `What to do: ${c.fix}`) : null,
  );
}

/** "Check this computer": a button, then one line per check (the same as `vmcheck doctor`). */
export function checkSection(onCheck: CheckComputer): HTMLElement {
  const results = h("div", { id: "check-results", role: "status" });
  const run = button("check-computer", "Check this computer", { variant: "secondary" });
  run.addEventListener("click", () => {
    run.disabled = true;
    results.replaceChildren(h("p", { class: "nhsuk-body-s" }, "Checking…"));
    onCheck()
      .then((report) => {
        const failed = report.checks.filter((c) => c.verdict === "fail").length;
        results.replaceChildren(
          h(
            "p",
            { class: "nhsuk-body", id: "check-summary" },
            failed === 0 ? "This computer is ready for V&M checks." : `${failed} ${failed === 1 ? "check" : "checks"} failed: V&M checks will not work here until ${failed === 1 ? "it is" : "they are"} fixed.`,
          ),
          h("ul", { class: "nhsuk-list vm-checks" }, ...report.checks.map(checkRow)),
        );
        // Bring the results into view (the button is at the foot of a long page).
        results.scrollIntoView?.({ block: "start" });
      })
      .catch((err: unknown) => {
        const message = typeof err === "object" && err !== null && "message" in err ? String((err as { message: unknown }).message) : String(err);
        results.replaceChildren(errorSummary("check-error", "The checks could not be run", h("p", null, message)));
      })
      .finally(() => {
        run.disabled = false;
      });
  });
  return h(
    "section",
    { class: "vm-check-computer", "aria-labelledby": "check-heading" },
    h("h2", { class: "nhsuk-heading-m", id: "check-heading" }, "Check this computer"),
    h("p", null, "Checks the configuration, keyring, smartcard readers, audit log, the Spine services, the clock and the certificate, as the service desk's vmcheck doctor does. No patient data is used."),
    run,
    results,
  );
}

export function settingsView(info: AppInfo, onBack: () => void, onSave?: SavePreferences, onCheck?: CheckComputer): HTMLElement {
  const editable = info.mode === "desk" && info.preferences !== null && onSave !== undefined;
  return h(
    "div",
    { class: "vm-settings", id: "settings" },
    h("h1", { class: "nhsuk-heading-l" }, "Settings"),
    h(
      "p",
      null,
      editable
        ? "These settings come from your organisation's configuration of this computer. Your own settings are below (kept apart from your organisation's); for the others, contact IT."
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
    onCheck ? checkSection(onCheck) : null,
    button("settings-back", "Back", { variant: "secondary", onclick: onBack }),
  );
}
