// NHS numbers: the Modulus 11 check and 3-3-4 formatting, as the user types.
// The engine checks again; a number failing Modulus 11 never leaves the machine.

/** True when the ten digits pass the Modulus 11 check. */
export function mod11Valid(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  // Stryker disable next-line ConditionalExpression: equivalent — a check digit of 10 never equals digits[9] (0–9), so without this early return the last line returns false anyway
  if (check === 10) return false;
  return check === Number(digits[9]);
}

export type NhsNumberCheck =
  | { kind: "empty" }
  | { kind: "incomplete"; digits: string }
  | { kind: "not_digits" }
  | { kind: "too_long" }
  | { kind: "check_failed"; digits: string }
  | { kind: "valid"; digits: string };

/** Reads what was typed: digits, spaces and dashes are accepted. */
export function checkNhsNumber(input: string): NhsNumberCheck {
  const trimmed = input.trim();
  if (trimmed === "") return { kind: "empty" };
  if (!/^[\d\s-]+$/.test(trimmed)) return { kind: "not_digits" };
  const digits = trimmed.replace(/\D/g, "");
  if (digits.length > 10) return { kind: "too_long" };
  if (digits.length < 10) return { kind: "incomplete", digits };
  return mod11Valid(digits) ? { kind: "valid", digits } : { kind: "check_failed", digits };
}

/** The error to show for a check, or null. `submitting` also complains about short input. */
export function nhsNumberError(check: NhsNumberCheck, submitting: boolean): string | null {
  switch (check.kind) {
    case "valid":
      return null;
    case "empty":
      return submitting ? "Enter the patient's NHS number" : null;
    case "incomplete":
      return submitting ? "An NHS number has 10 digits" : null;
    case "not_digits":
      return "An NHS number contains only numbers";
    case "too_long":
      return "An NHS number has 10 digits";
    case "check_failed":
      return "This is not a valid NHS number: check it has been typed correctly";
  }
}

/** `9434765919` → `943 476 5919`; partial input is grouped as far as it goes. */
export function formatNhsNumber(digits: string): string {
  // Stryker disable next-line MethodExpression: equivalent — the groups below are sliced at 0–3, 3–6 and 6–10, so digits past the tenth are never shown with or without .slice(0, 10)
  const d = digits.replace(/\D/g, "").slice(0, 10);
  const parts = [d.slice(0, 3), d.slice(3, 6), d.slice(6, 10)].filter((p) => p !== "");
  return parts.join(" ");
}

/**
 * Reformats the input value as 3-3-4 while keeping the caret after the same digit.
 * Input holding anything but digits, spaces and dashes is left as typed (it gets an error).
 */
export function formatAsTyped(value: string, caret: number): { value: string; caret: number } {
  if (!/^[\d\s-]*$/.test(value)) return { value, caret };
  const digitsBefore = value.slice(0, caret).replace(/\D/g, "").length;
  const digits = value.replace(/\D/g, "");
  if (digits.length > 10) return { value, caret };
  const formatted = formatNhsNumber(digits);
  let pos = 0;
  let seen = 0;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent for `pos < formatted.length` — formatted holds every digit of value and digitsBefore counts some of them, so `seen < digitsBefore` always ends the loop first (the mutants of `seen < digitsBefore` on this line are killed by nhs-number.test.ts)
  while (pos < formatted.length && seen < digitsBefore) {
    // Stryker disable next-line StringLiteral: equivalent — inside the loop pos < formatted.length, so formatted[pos] is never undefined and the "" fallback is never used
    if (/\d/.test(formatted[pos] ?? "")) seen++;
    pos++;
  }
  return { value: formatted, caret: pos };
}
