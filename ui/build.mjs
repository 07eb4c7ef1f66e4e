// Builds the UI: `node build.mjs` → dist/ (what the Tauri shell serves);
// `node build.mjs --dev` → dev-dist/ (dev.html with the fake IPC; never shipped).
// Output: index.html, app.js (one IIFE bundle), nhsuk.css (NHS.UK frontend, remote fonts
// removed, asset URLs made relative, cut to the rules the UI can use), app.css (with the icons' and the logo's outlines, traced from images/src/*.svg),
// assets/images/* (NHS.UK's). Nothing is fetched at run time.

import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { outlineRules } from "./build/clip-paths.mjs";
import { purgeCss, usedClasses } from "./build/purge-css.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const dev = process.argv.includes("--dev");
const out = join(here, dev ? "dev-dist" : "dist");
const nhsuk = join(here, "node_modules/nhsuk-frontend/dist/nhsuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets/images"), { recursive: true });

await build({
  entryPoints: [join(here, dev ? "src/dev-fake.ts" : "src/main.ts")],
  outfile: join(out, "app.js"),
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2020", "safari15"],
  minify: !dev,
  legalComments: "none",
  logLevel: "warning",
});

// NHS.UK frontend CSS: its @font-face rules load Frutiger from assets.nhs.uk, which the app
// must not do (offline, CSP): drop them and fall back to the stack's Arial/sans-serif.
let css = readFileSync(join(nhsuk, "nhsuk-frontend.min.css"), "utf8");
css = css.replace(/@font-face\{[^}]*\}/g, "");
css = css.replace(/\/\*# sourceMappingURL=[^*]*\*\//g, "");
css = css.replaceAll("url(/assets/", "url(assets/");
for (const bad of [/url\(\s*["']?(https?:)?\/\//, /@import/]) {
  if (bad.test(css)) throw new Error(`nhsuk.css still refers to something remote: ${bad}`);
}
// Only the rules the UI can use (build/purge-css.mjs): the classes its sources name. A quarter
// of the stylesheet for the web process to parse and keep.
const sources = readdirSync(join(here, "src"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => readFileSync(join(here, "src", f), "utf8"));
sources.push(readFileSync(join(here, "index.html"), "utf8"), readFileSync(join(here, "styles/app.css"), "utf8"));
const full = css.length;
css = purgeCss(css, usedClasses(sources));
if (!dev) console.log(`nhsuk.css: ${Math.round(css.length / 1024)} KB of ${Math.round(full / 1024)} KB kept`);
writeFileSync(join(out, "nhsuk.css"), css);

for (const f of readdirSync(join(here, "styles"))) {
  if (f.endsWith(".css")) copyFileSync(join(here, "styles", f), join(out, f));
}
// The icons' and the logo's outlines, traced from their drawings (build/clip-paths.mjs).
const outlines = outlineRules(join(here, "images/src"));
writeFileSync(join(out, "app.css"), `${readFileSync(join(out, "app.css"), "utf8")}\n/* outlines of images/src/*.svg (build/clip-paths.mjs) */\n${outlines}\n`);
for (const f of readdirSync(join(nhsuk, "assets/images"))) {
  if (f.endsWith(".svg") || f === "favicon.ico") copyFileSync(join(nhsuk, "assets/images", f), join(out, "assets/images", f));
}

// The shipped script and stylesheets in 8-bit characters: WebKit keeps a text that has any
// character above U+00FF as 16-bit, twice the memory for the whole file (the script's 74 KB
// became 148 KB in the web process for one "…" in a regular expression, which esbuild does not
// escape). Not for dev-dist, whose unminified script keeps the sources' comments.
const shipped = dev ? [] : ["app.js", "nhsuk.css", ...readdirSync(join(here, "styles")).filter((n) => n.endsWith(".css"))];
for (const f of shipped) {
  const wide = readFileSync(join(out, f), "utf8").match(/[^\u0000-\u00ff]/);
  if (wide) throw new Error(`${f} has a character above U+00FF (${wide[0]}): escape it, or WebKit keeps the file as 16-bit text`);
}

const page = dev ? "dev.html" : "index.html";
const html = readFileSync(join(here, page), "utf8");
if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html) || /\sstyle=/i.test(html) || /<style/i.test(html)) {
  throw new Error(`${page} has inline script or style: the CSP forbids them`);
}
writeFileSync(join(out, page), html);
console.log(`built ${out}`);
