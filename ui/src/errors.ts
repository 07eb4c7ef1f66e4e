// The one table that maps an IPC error code to where the UI shows it and what to tell the user
// to do. The sentence saying what happened is the command's own `message`.

import type { ErrorCode } from "./bindings/ErrorCode";
import type { IpcError } from "./bindings/IpcError";

/** Where a sign-in error goes: on the passcode field, on the last-try confirmation, the
 *  locked-card message, an error summary above the passcode form, or an error summary that
 *  replaces the form (trying again with this card cannot help). */
export type Placement = "passcode" | "confirm" | "blocked" | "summary" | "terminal";

export interface ErrorAdvice {
  placement: Placement;
  /** What to do; empty when the message already says it. */
  action: string;
}

const CONTACT_RA = "Remove the card and contact your Registration Authority (RA).";
const TRY_AGAIN = "Try again. If it keeps happening, contact the service desk.";

/** Keyed by the engine's error codes (generated from Rust): a misspelt code does not compile. */
export const ERROR_TABLE: Partial<Record<ErrorCode, ErrorAdvice>> = {
  WRONG_PASSCODE: { placement: "passcode", action: "" },
  PASSCODE_FORMAT: { placement: "passcode", action: "" },
  CONFIRM_LAST_TRY: { placement: "confirm", action: "" },
  CARD_BLOCKED: { placement: "blocked", action: CONTACT_RA },
  CARD_REMOVED: { placement: "summary", action: "Insert your smartcard again and re-enter your passcode." },
  CARD_NO_IDENTITY: { placement: "terminal", action: "Remove the card and use your own NHS smartcard. If this is your card, contact your Registration Authority (RA)." },
  CERTIFICATE_EXPIRED: { placement: "terminal", action: "Remove the card. You cannot sign in with it until the certificate is renewed." },
  NO_ROLE: { placement: "terminal", action: "Remove the card. You can sign in once a role has been added." },
  ROLES_UNAVAILABLE: { placement: "summary", action: "Try again in a few minutes. If it keeps happening, contact the service desk." },
  UNKNOWN_ROLE: { placement: "summary", action: "Choose one of the roles listed." },
  NOT_SIGNED_IN: { placement: "summary", action: "Sign in with your smartcard." },
  NO_CARD: { placement: "summary", action: "Insert your smartcard." },
  NO_SERVICE: { placement: "summary", action: "The smartcard service is not running on this computer — contact IT." },
  CARD_ERROR: { placement: "summary", action: "Take the card out, put it back in and try again. If it keeps happening, contact IT." },
};

export function adviceFor(error: IpcError): ErrorAdvice {
  return ERROR_TABLE[error.code] ?? { placement: "summary", action: TRY_AGAIN };
}

/** What the sign-in screen says after a lock. */
export const LOCK_MESSAGES: Record<string, string> = {
  card_removed: "You were signed out because your smartcard was removed.",
  idle_timeout: "You were signed out because V&M Check was not used for a while.",
  signed_out: "You have signed out.",
  reader_removed: "You were signed out because the smartcard reader was disconnected.",
  service_stopped: "You were signed out because the smartcard service stopped.",
};

/** A message as a sentence: the engine's messages may end without a full stop. */
export function sentence(text: string): string {
  const t = text.trim();
  return t === "" || /[.!?\u2026)]$/.test(t) ? t : `${t}.`;
}
