// Hospital numbers (the trust's Care Connect API, `[care_connect]`): the trust's pattern, where
// each `#` is a digit and every other character stands for itself (letters in either case).
// The engine checks again; no pattern can match an NHS number (nor one with a digit missing or extra).

/** True when `input` (surrounding spaces ignored) has the pattern's form. */
export function matchesHospitalNumber(pattern: string, input: string): boolean {
  const value = input.trim().toUpperCase();
  const form = pattern.toUpperCase();
  if (value.length !== form.length) return false;
  for (let i = 0; i < form.length; i++) {
    const p = form[i];
    const c = value[i];
    if (p === "#" ? !/^\d$/.test(c ?? "") : c !== p) return false;
  }
  return true;
}

/** `RRK#######` → `RRK followed by 7 digits`; another form is shown with its `#`s explained. */
export function describeHospitalNumber(pattern: string): string {
  const form = pattern.toUpperCase();
  const prefix = form.slice(0, form.indexOf("#") < 0 ? form.length : form.indexOf("#"));
  const rest = form.slice(prefix.length);
  if (/^#+$/.test(rest)) {
    const digits = `${rest.length} ${rest.length === 1 ? "digit" : "digits"}`;
    return prefix === "" ? digits : `${prefix} followed by ${digits}`;
  }
  return `the form ${form} (each # a digit)`;
}

/** Whether what is typed so far could become a hospital number (holds a letter, say). */
export function looksLikeHospitalNumber(input: string): boolean {
  return /[A-Za-z]/.test(input);
}
