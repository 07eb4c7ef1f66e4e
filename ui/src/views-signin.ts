// Sign-in with the smartcard: card/reader states, the passcode (with the last-try
// confirmation), a locked card, and the role choice.

import type { IpcError } from "./bindings/IpcError";
import type { Role } from "./bindings/Role";
import type { SessionView } from "./bindings/SessionView";
import { type Child, h, hidden } from "./dom";
import { adviceFor, LOCK_MESSAGES, sentence } from "./errors";
import { plural } from "./format";
import { button, errorSummary, setFieldError, textField, warningCallout } from "./forms";
import { icon } from "./icons";

export const BLOCKED_MESSAGE =
  "This card is locked after too many wrong passcodes. Go to your Registration Authority to have it unlocked.";
export const NO_SERVICE_MESSAGE = "The smartcard service is not running on this computer — contact IT.";

export interface SignInProps {
  session: SessionView;
  error: IpcError | null;
  /** The engine asked for the last-try confirmation even if the tries count did not say so. */
  forceConfirm: boolean;
  lockedReason: string | null;
  onSubmit(form: SignInForm): void;
}

export interface SignInForm {
  passcode: HTMLInputElement;
  confirm: HTMLInputElement | null;
  submit: HTMLButtonElement;
}

function lockNotice(reason: string | null): Child {
  const text = reason ? LOCK_MESSAGES[reason] : undefined;
  if (!text) return null;
  return h("div", { class: "nhsuk-inset-text", id: "lock-message" }, hidden("Information: "), h("p", null, text));
}

function cardPrompt(id: string, heading: string, text: Child, iconName: "info" | "warning"): HTMLElement {
  return h(
    "div",
    { class: "vm-card-prompt", id },
    icon(iconName, "vm-card-prompt__icon"),
    h("div", null, h("h2", { class: "nhsuk-heading-m" }, heading), h("p", { class: "nhsuk-body" }, text)),
  );
}

export function signInView(p: SignInProps): HTMLElement {
  const s = p.session;
  const body: Child[] = [h("h1", { class: "nhsuk-heading-l" }, "Sign in to V&M Check"), lockNotice(p.lockedReason)];
  switch (s.state) {
    case "no_service":
      body.push(warningCallout("signin-status", "Smartcard service not running", h("p", null, NO_SERVICE_MESSAGE)));
      break;
    case "no_reader":
      body.push(cardPrompt("signin-status", "Connect a smartcard reader", "Plug in your smartcard reader, then insert your smartcard.", "info"));
      break;
    case "waiting_for_card":
      body.push(
        cardPrompt(
          "signin-status",
          "Insert your smartcard",
          s.reader ? `Put your NHS smartcard in the reader (${s.reader}).` : "Put your NHS smartcard in the reader.",
          "info",
        ),
      );
      break;
    default:
      body.push(passcodeForm(p));
  }
  return h("div", { class: "vm-signin", id: "signin" }, ...body);
}

function passcodeForm(p: SignInProps): HTMLElement {
  const pin = p.session.pin;
  const error = p.error;
  const advice = error ? adviceFor(error) : null;
  if (pin?.state === "blocked" || error?.code === "CARD_BLOCKED") {
    return errorSummary(
      "card-blocked",
      "This card is locked",
      h("p", null, BLOCKED_MESSAGE),
      h("p", null, "Remove the card. You cannot sign in with it until it is unlocked."),
    );
  }
  if (error && advice?.placement === "terminal") {
    return errorSummary(
      "sign-in-error",
      "You cannot sign in with this card",
      h("p", { id: "sign-in-error-message" }, sentence(error.message)),
      advice.action ? h("p", { id: "sign-in-error-action" }, advice.action) : null,
    );
  }
  const tries = pin?.state === "tries_left" ? pin.tries : null;
  const lastTry = tries === 1 || p.forceConfirm;
  // A wrong-passcode error already says how many tries are left: say it once.
  const errorShowsTries = error?.code === "WRONG_PASSCODE" && advice?.placement === "passcode";
  const hint =
    tries === null || errorShowsTries ? "Your smartcard passcode (PIN)." : `${plural(tries, "try", "tries")} left before the card is locked.`;
  const { group, input } = textField({
    id: "passcode",
    label: "Enter your smartcard passcode",
    labelClass: "nhsuk-label--m",
    hint,
    type: "password",
    inputClass: "nhsuk-input--width-10",
    autocomplete: "off",
    error: advice?.placement === "passcode" && error ? sentence(error.message) : null,
  });
  let confirm: HTMLInputElement | null = null;
  let confirmBlock: Child = null;
  if (lastTry) {
    confirm = h("input", { class: "nhsuk-checkboxes__input", id: "confirm-last-try", name: "confirm-last-try", type: "checkbox", value: "yes" });
    const confirmGroup = h(
      "div",
      { class: "nhsuk-form-group" },
      h(
        "div",
        { class: "nhsuk-checkboxes" },
        h(
          "div",
          { class: "nhsuk-checkboxes__item" },
          confirm,
          h("label", { class: "nhsuk-label nhsuk-checkboxes__label", for: "confirm-last-try" }, "I understand that a wrong passcode will lock my card"),
        ),
      ),
    );
    if (advice?.placement === "confirm") setFieldError(confirm, "Confirm that you understand a wrong passcode will lock your card");
    confirmBlock = [
      warningCallout(
        "last-try-warning",
        "One try left",
        h("p", null, "If this passcode is wrong, your card will be locked and only your Registration Authority can unlock it."),
      ),
      confirmGroup,
    ];
  }
  const submit = button("sign-in-submit", "Sign in", { type: "submit" });
  const summary =
    error && advice?.placement === "summary"
      ? errorSummary(
          "sign-in-error",
          "You could not be signed in",
          h("p", { id: "sign-in-error-message" }, sentence(error.message)),
          advice.action ? h("p", { id: "sign-in-error-action" }, advice.action) : null,
        )
      : null;
  const form = h("form", { id: "sign-in-form", novalidate: true, autocomplete: "off" }, group, confirmBlock, submit);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    p.onSubmit({ passcode: input, confirm, submit });
  });
  return h("div", null, summary, form);
}

export interface RoleProps {
  roles: Role[];
  current: Role | null;
  organisation: string | null;
  changing: boolean;
  error: IpcError | null;
  certificateWarning: Child;
  onChoose(roleProfileId: string, submit: HTMLButtonElement): void;
  onCancel(): void;
}

export function roleView(p: RoleProps): HTMLElement {
  const radios = p.roles.map((r) => {
    const id = `role-${r.role_profile_id}`;
    const hintId = `${id}-hint`;
    const details = [`Role profile ${r.role_profile_id}`, r.job_role_code, `at ${r.ods_code}`].filter(Boolean).join(" · ");
    return h(
      "div",
      { class: "nhsuk-radios__item" },
      h("input", {
        class: "nhsuk-radios__input",
        id,
        name: "role",
        type: "radio",
        value: r.role_profile_id,
        "aria-describedby": hintId,
        checked: p.current?.role_profile_id === r.role_profile_id,
      }),
      h("label", { class: "nhsuk-label nhsuk-radios__label", for: id }, r.job_role),
      h("div", { class: "nhsuk-hint nhsuk-radios__hint", id: hintId }, details),
    );
  });
  const submit = button("role-continue", "Continue", { type: "submit" });
  const group = h(
    "div",
    { class: "nhsuk-form-group", id: "role-group" },
    h(
      "fieldset",
      { class: "nhsuk-fieldset", "aria-describedby": "role-hint" },
      h("legend", { class: "nhsuk-fieldset__legend nhsuk-fieldset__legend--l" }, h("h1", { class: "nhsuk-fieldset__heading" }, "Choose your role")),
      h(
        "div",
        { class: "nhsuk-hint", id: "role-hint" },
        p.organisation
          ? `You have more than one role at ${p.organisation}. Choose the one you are working in now.`
          : "Choose the role you are working in now.",
      ),
      h("div", { class: "nhsuk-radios", id: "roles" }, radios),
    ),
  );
  const form = h(
    "form",
    { id: "role-form", novalidate: true },
    group,
    h(
      "div",
      { class: "nhsuk-button-group" },
      submit,
      p.changing ? button("role-cancel", "Cancel", { variant: "secondary", onclick: () => p.onCancel() }) : null,
    ),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const chosen = form.querySelector<HTMLInputElement>("input[name=role]:checked");
    const first = form.querySelector<HTMLInputElement>("input[name=role]");
    if (!chosen) {
      group.classList.add("nhsuk-form-group--error");
      group.querySelector("#role-error")?.remove();
      const msg = h("span", { class: "nhsuk-error-message", id: "role-error" }, hidden("Error: "), "Choose a role");
      group.querySelector("#roles")?.before(msg);
      first?.focus();
      return;
    }
    p.onChoose(chosen.value, submit);
  });
  const summary = p.error
    ? errorSummary("role-error-summary", "Your role could not be set", h("p", null, sentence(p.error.message)), h("p", null, adviceFor(p.error).action))
    : null;
  return h("div", { class: "vm-roles", id: "role-choice" }, p.certificateWarning, summary, form);
}
