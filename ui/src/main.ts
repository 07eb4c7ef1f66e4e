// Production entry: the app with the real Tauri IPC.

import { startApp } from "./app";
import { tauriIpc } from "./ipc";

function boot(): void {
  try {
    startApp(document.body, tauriIpc());
  } catch (e) {
    const p = document.createElement("p");
    p.className = "nhsuk-body-l";
    p.textContent = `V&M Check could not start: ${e instanceof Error ? e.message : String(e)}`;
    document.body.replaceChildren(p);
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
