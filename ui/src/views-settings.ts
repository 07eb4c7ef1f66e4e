// Settings: a read-only summary of how this installation is configured (desk and training
// modes only; the kiosk has no settings page).

import type { AppInfo } from "./bindings/AppInfo";
import { h } from "./dom";
import { button, summaryList } from "./forms";

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

export function settingsView(info: AppInfo, onBack: () => void): HTMLElement {
  return h(
    "div",
    { class: "vm-settings", id: "settings" },
    h("h1", { class: "nhsuk-heading-l" }, "Settings"),
    h("p", null, "These settings come from this computer's configuration file. To change them, contact IT."),
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
    button("settings-back", "Back", { variant: "secondary", onclick: onBack }),
  );
}
