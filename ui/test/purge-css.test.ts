// The NHS.UK stylesheet is cut to the rules the UI can use (build/purge-css.mjs): the cut must
// never drop a rule for a class the app sets.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a build script in plain JavaScript, without type declarations.
import { purgeCss, usedClasses } from "../build/purge-css.mjs";
import { lookUp, startApp, submit, type } from "./helpers";

type Used = { names: Set<string>; prefixes: string[]; properties: Set<string> };
const usedBy = (sources: string[]): Used => usedClasses(sources) as Used;
const purge = (css: string, used: Used): string => purgeCss(css, used) as string;

const ui = join(__dirname, "..");
const appSources = (): string[] => [
  ...readdirSync(join(ui, "src")).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(join(ui, "src", f), "utf8")),
  readFileSync(join(ui, "index.html"), "utf8"),
  readFileSync(join(ui, "styles/app.css"), "utf8"),
];

describe("cutting the NHS.UK stylesheet", () => {
  const used = usedBy(['h("p", { class: "nhsuk-body nhsuk-tag" })', "`nhsuk-button--${variant}`"]);

  it("keeps rules for classes the UI sets, element selectors and other classes", () => {
    const css = "body{margin:0}.nhsuk-body{color:red}.nhsuk-tag .nhsuk-body{x:1}.js-x{y:2}";
    expect(purge(css, used)).toBe(css);
  });

  it("drops a rule naming a class the UI never sets, and only that selector of a list", () => {
    expect(purge(".nhsuk-panel{a:1}.nhsuk-body{b:2}", used)).toBe(".nhsuk-body{b:2}");
    expect(purge(".nhsuk-panel,.nhsuk-body:hover{c:3}", used)).toBe(".nhsuk-body:hover{c:3}");
    expect(purge(".nhsuk-body .nhsuk-panel{d:4}", used)).toBe("");
  });

  it("keeps a class family named by a prefix, and a selector that only excludes a class", () => {
    expect(purge(".nhsuk-button--secondary{e:5}", used)).toBe(".nhsuk-button--secondary{e:5}");
    expect(purge(".nhsuk-body:not(.nhsuk-panel){f:6}", used)).toBe(".nhsuk-body:not(.nhsuk-panel){f:6}");
    expect(purge(":is(.nhsuk-body,.nhsuk-tag){g:7}", used)).toBe(":is(.nhsuk-body,.nhsuk-tag){g:7}");
  });

  it("filters inside @media and @supports, drops them when empty, keeps other at-rules", () => {
    const css =
      '@charset "UTF-8";@media (min-width:40em){.nhsuk-panel{a:1}.nhsuk-body{b:2}}@supports (x:y){.nhsuk-panel{c:3}}@keyframes k{0%{o:0}to{o:1}}';
    expect(purge(css, used)).toBe('@charset "UTF-8";@media (min-width:40em){.nhsuk-body{b:2}}@keyframes k{0%{o:0}to{o:1}}');
  });

  it("keeps braces and commas inside strings", () => {
    const css = '.nhsuk-body:after{content:"{,}"}.nhsuk-panel{content:"}"}';
    expect(purge(css, used)).toBe('.nhsuk-body:after{content:"{,}"}');
  });

  it("drops the custom properties nothing reads, and a rule left empty", () => {
    const read = usedBy(['h("p", { class: "nhsuk-body" })', "el.style.getPropertyValue('--nhsuk-from-code')"]);
    const css =
      ':root{--nhsuk-version:"1;2";--nhsuk-blue:#005eb8;--nhsuk-from-code:1px;--nhsuk-red:rgb(1,2,3)}.nhsuk-body{color:var(--nhsuk-blue);--unread:0}.x{--y:1}';
    expect(purge(css, read)).toBe(":root{--nhsuk-blue:#005eb8;--nhsuk-from-code:1px}.nhsuk-body{color:var(--nhsuk-blue)}");
  });

  it("keeps the custom properties the app's own stylesheet reads", () => {
    const fromSources = usedBy([...appSources(), ".vm-x{color:var(--vm-own)}"]);
    expect(purge(":root{--vm-own:red;--vm-other:blue}", fromSources)).toBe(":root{--vm-own:red}");
  });

  it("leaves every class the app sets on its screens in the cut stylesheet", async () => {
    const fromSources = usedBy(appSources());
    const seen = new Set<string>();
    const collect = (): void => {
      for (const el of document.querySelectorAll("[class]")) {
        for (const c of el.classList) if (c.startsWith("nhsuk-")) seen.add(c);
      }
    };
    for (const state of ["no_service", "no_reader", "waiting_for_card", "card_present", "choose_role"] as const) {
      await startApp({ state });
      collect();
    }
    const { ipc } = await startApp();
    collect();
    for (const nhs of ["9990000018", "9990000042", "9990000220"]) {
      lookUp(nhs);
      collect();
      await ipc.answerLast();
      collect();
    }
    type("#nhs-number", "123");
    submit("#lookup-form");
    collect();
    expect(seen.size).toBeGreaterThan(20);
    const missing = [...seen].filter((c) => !fromSources.names.has(c) && !fromSources.prefixes.some((p) => c.startsWith(p)));
    expect(missing).toEqual([]);
  });
});
