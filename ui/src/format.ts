// Plain-English formatting of dates and codes for display.

const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

/** `1984-03-15` → `15 March 1984`; `1984-03` → `March 1984`; a date-time keeps its date only.
 *  Anything unrecognised is shown as given. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return "Not known";
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value);
  if (!m) return value;
  const [, year, month, day] = m;
  const monthName = month ? MONTHS[Number(month) - 1] : undefined;
  if (month && !monthName) return value;
  if (day) return `${Number(day)} ${monthName} ${year}`;
  if (monthName) return `${monthName} ${year}`;
  return year ?? value;
}

/** `female` → `Female`. */
export function formatGender(value: string | null | undefined): string {
  if (!value) return "Not known";
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/** `1` → `1 try`, `3` → `3 tries`. */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
