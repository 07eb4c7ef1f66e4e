// Keeps only the NHS.UK frontend rules the UI can use. The app builds its pages from code, so
// the class names it can set are the `nhsuk-…` words in its bundle, pages and own stylesheet; a
// word ending in `-` (`nhsuk-button--` from `nhsuk-button--${variant}`) keeps every class it
// begins. A selector is dropped only when it names an `nhsuk-` class the UI never sets (then it
// can match nothing); element selectors, other classes and at-rules other than @media,
// @supports and @container (which are filtered inside) are kept as they are. The stylesheet is
// the minified one NHS.UK publishes: no comments left, strings only in `content` and `url()`.
// Its custom properties (179 colours, breakpoints and the version on `:root`, which every element
// inherits) are kept only when something reads them: a `var(--x)` in the stylesheet, or the
// name anywhere in the UI's sources.

/** The classes (and class prefixes) and the custom properties named in `sources`. */
export function usedClasses(sources) {
  const names = new Set();
  const prefixes = new Set();
  const properties = new Set();
  for (const text of sources) {
    for (const [word] of text.matchAll(/nhsuk-[A-Za-z0-9_-]*/g)) {
      if (word.endsWith("-")) prefixes.add(word);
      else names.add(word);
    }
    for (const [word] of text.matchAll(/--[A-Za-z0-9_-]+/g)) properties.add(word);
  }
  return { names, prefixes: [...prefixes], properties };
}

function isUsed(name, used) {
  return used.names.has(name) || used.prefixes.some((p) => name.startsWith(p));
}

/** Splits `text` at each top-level `separator` (not inside parentheses, brackets or strings). */
function splitTopLevel(text, separator) {
  const parts = [];
  let depth = 0;
  let quote = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function selectorMatchable(selector, used) {
  // `:not(.nhsuk-x)` does not need the class to be set: leave what is inside :not() out.
  const outsideNot = selector.replace(/:not\((?:[^()]|\([^()]*\))*\)/g, "");
  for (const [, name] of outsideNot.matchAll(/\.(nhsuk-[A-Za-z0-9_-]+)/g)) {
    if (!isUsed(name, used)) return false;
  }
  return true;
}

/** The index just past the block that opens at `open` (the index of its `{`). */
function blockEnd(css, open) {
  let depth = 0;
  let quote = null;
  for (let i = open; i < css.length; i++) {
    const c = css[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  throw new Error("purge-css: a block is not closed");
}

/** `body` without the custom properties nothing reads. */
function dropUnreadProperties(body, read) {
  return splitTopLevel(body, ";")
    .filter((d) => d.trim())
    .filter((d) => {
      const name = /^\s*(--[A-Za-z0-9_-]+)\s*:/.exec(d);
      return !name || read.has(name[1]);
    })
    .join(";");
}

/** `css` with the rules no used class can match, and the custom properties nothing reads, left out. */
export function purgeCss(css, used) {
  const read = new Set(used.properties ?? []);
  for (const [, name] of css.matchAll(/var\(\s*(--[A-Za-z0-9_-]+)/g)) read.add(name);
  return purgeRules(css, used, read);
}

function purgeRules(css, used, read) {
  let out = "";
  let i = 0;
  while (i < css.length) {
    const open = css.indexOf("{", i);
    const semi = css.indexOf(";", i);
    if (open < 0) {
      out += css.slice(i);
      break;
    }
    // A statement at-rule (`@charset "UTF-8";`) before the next block.
    if (css[i] === "@" && semi >= 0 && semi < open) {
      out += css.slice(i, semi + 1);
      i = semi + 1;
      continue;
    }
    const prelude = css.slice(i, open);
    const end = blockEnd(css, open);
    const body = css.slice(open + 1, end - 1);
    if (/^@(media|supports|container)\b/.test(prelude)) {
      const inner = purgeRules(body, used, read);
      if (inner.trim()) out += `${prelude}{${inner}}`;
    } else if (prelude.startsWith("@")) {
      out += css.slice(i, end);
    } else {
      const kept = splitTopLevel(prelude, ",").filter((s) => selectorMatchable(s, used));
      const declarations = dropUnreadProperties(body, read);
      if (kept.length && declarations) out += `${kept.join(",")}{${declarations}}`;
    }
    i = end;
  }
  return out;
}
