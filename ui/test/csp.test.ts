// The UI must run under the shell's strict CSP (no inline script or style, no eval), offline
// (nothing remote), and never keep patient data in web storage, cookies or the URL. These
// checks read the sources so a regression fails here before it fails in the webview.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..");
const sources = readdirSync(join(root, "src"))
  .filter((f) => f.endsWith(".ts") && f !== "dev-fake.ts")
  .map((f) => [f, readFileSync(join(root, "src", f), "utf8")] as const);

describe("CSP and offline", () => {
  it.each(["index.html", "dev.html"])("%s has no inline script, inline style or remote URL", (page) => {
    const html = readFileSync(join(root, page), "utf8");
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s).toMatch(/\bsrc="[^"]+"/);
    expect(html).not.toMatch(/<script\b[^>]*>[^<\s]/);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("app.css loads nothing: its icons and logo are outlines, not images", () => {
    const css = readFileSync(join(root, "styles/app.css"), "utf8");
    expect(css).not.toMatch(/@import/);
    expect(css).not.toMatch(/url\(/);
  });

  it.each(sources)("%s sets no inline style and evaluates no strings", (_f, code) => {
    expect(code).not.toMatch(/\.style\b|setAttribute\(\s*["']style["']|cssText/);
    expect(code).not.toMatch(/\beval\(|new Function\(|setTimeout\(\s*["'`]/);
    expect(code).not.toMatch(/\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write/);
  });

  it.each(sources)("%s writes nothing to storage, cookies or the URL", (_f, code) => {
    expect(code).not.toMatch(/localStorage|sessionStorage|indexedDB|document\.cookie|pushState|replaceState|location\.(hash|search|href)\s*=/);
  });

  it.each(sources)("%s never talks to the network", (_f, code) => {
    expect(code).not.toMatch(/\bfetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon/);
  });

  it("only ipc.ts touches the Tauri API", () => {
    for (const [f, code] of sources) {
      if (f !== "ipc.ts") expect(code, f).not.toMatch(/__TAURI|@tauri-apps/);
    }
  });

  it("never logs", () => {
    for (const [f, code] of sources) expect(code, f).not.toMatch(/console\./);
  });
});
