// Keeps only the NHS.UK frontend rules the UI can use. The app builds its pages from code, so
// the class names it can set are the `nhsuk-…` words in its bundle, pages and own stylesheet; a
// word ending in `-` (`nhsuk-button--` from `nhsuk-button--${variant}`) keeps every class it
// begins. A selector is dropped only when it names an `nhsuk-` class the UI never sets (then it
// can match nothing); element selectors, other classes and at-rules other than @media,
// @supports and @container (which are filtered inside) are kept as they are. The stylesheet is
// the minified one NHS.UK publishes: no comments left, strings only in `content` and `url()`.

/** The classes (and class prefixes) named in `sources`. */
export function usedClasses(sources) {
  const names = new Set();
  const prefixes = new Set();
  for (const text of sources) {
    for (const [word] of text.matchAll(/nhsuk-[A-Za-z0-9_-]*/g)) {
      if (word.endsWith("-")) prefixes.add(word);
      else names.add(word);
    }
  }
  return { names, prefixes: [...prefixes] };
}

function isUsed(name, used) {
  return used.names.has(name) || used.prefixes.some((p) => name.startsWith(p));
}

/** Splits `text` at top-level commas (not inside parentheses, brackets or strings). */
function splitSelectors(text) {
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
    else if (c === "," && depth === 0) {
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

/** `css` with the rules no used class can match left out. */
export function purgeCss(css, used) {
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
      const inner = purgeCss(body, used);
      if (inner.trim()) out += `${prelude}{${inner}}`;
    } else if (prelude.startsWith("@")) {
      out += css.slice(i, end);
    } else {
      const kept = splitSelectors(prelude).filter((s) => selectorMatchable(s, used));
      if (kept.length) out += `${kept.join(",")}{${body}}`;
    }
    i = end;
  }
  return out;
}
