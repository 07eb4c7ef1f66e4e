import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TRAINING_TEXT } from "../src/app";
import { lookupView, MATCHES, session } from "../src/dev-fake";
import { $, bodyHtml, flush, lookUp, must, startApp, submit, type } from "./helpers";

const wrongPasscode = (tries: number) => ({
  code: "WRONG_PASSCODE",
  message: `The passcode is wrong. ${tries} ${tries === 1 ? "try" : "tries"} left before the card is locked`,
  detail: null,
  trace_id: null,
});

afterEach(() => {
  vi.useRealTimers();
});

describe("lookups", () => {
  it("starting a new lookup clears the old result before the command answers", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    await ipc.answerLast();
    expect($("#banner")).not.toBeNull();
    expect(bodyHtml()).toContain("TAYLOR, Mary");

    lookUp("9990000042");
    // The second lookup has not answered yet: nothing of the first patient may remain.
    expect(ipc.lookups).toHaveLength(2);
    expect($("#banner")).toBeNull();
    expect($("#patient")).toBeNull();
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect(bodyHtml()).not.toContain("999 000 0018");
    expect($("#progress")).not.toBeNull();
    expect(must("#announcer").textContent).toBe("");
  });

  it("discards a result that is not the latest lookup requested", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    lookUp("9990000042");
    const [first, second] = ipc.lookups;
    expect(first!.id).not.toBe(second!.id);
    second!.d.resolve(lookupView("9990000042", second!.id));
    await flush();
    expect(must("#banner-nhs-number").textContent).toBe("999 000 0042");
    first!.d.resolve(lookupView("9990000018", first!.id));
    await flush();
    expect(must("#banner-nhs-number").textContent).toBe("999 000 0042");
    expect(bodyHtml()).not.toContain("TAYLOR");
  });

  it("discards a view carrying another lookup_id", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    const l = ipc.lookups[0]!;
    l.d.resolve(lookupView("9990000018", l.id + 100));
    await flush();
    expect($("#banner")).toBeNull();
    expect(bodyHtml()).not.toContain("TAYLOR");
  });

  it("sends the digits and a lookup id, and announces the result with its NHS number", async () => {
    const { ipc } = await startApp();
    lookUp("999 000 0018");
    expect(ipc.lookup).toHaveBeenCalledWith("9990000018", expect.any(Number));
    await ipc.answerLast();
    expect(must("#announcer").getAttribute("aria-live")).toBe("assertive");
    expect(must("#announcer").textContent).toBe("Result for NHS number 999 000 0018: Chargeable.");
  });

  it("refuses a number failing Modulus 11 without calling the shell", async () => {
    const { ipc } = await startApp();
    type("#nhs-number", "9900002831");
    expect(must("#nhs-number-error").textContent).toMatch(/not a valid NHS number/);
    expect(must("#nhs-number").getAttribute("aria-describedby")).toContain("nhs-number-error");
    submit("#lookup-form");
    expect(ipc.lookup).not.toHaveBeenCalled();
  });

  it("formats the NHS number as it is typed and clears the error once fixed", async () => {
    await startApp();
    const input = type("#nhs-number", "990000283");
    expect(input.value).toBe("990 000 283");
    type("#nhs-number", "9900002831");
    expect($("#nhs-number-error")).not.toBeNull();
    type("#nhs-number", "9434765919");
    expect(input.value).toBe("943 476 5919");
    expect($("#nhs-number-error")).toBeNull();
  });

  it("Enter submits: the field and a submit button are in one form", async () => {
    await startApp();
    const form = must<HTMLFormElement>("#lookup-form");
    expect(form.contains(must("#nhs-number"))).toBe(true);
    expect(must<HTMLButtonElement>("#lookup-submit").type).toBe("submit");
    expect(form.contains(must("#lookup-submit"))).toBe(true);
  });

  it("shows an error outcome as an error box with message, action and trace id, and no banner", async () => {
    const { ipc } = await startApp();
    lookUp("9990000220");
    await ipc.answerLast();
    expect(must("#lookup-error-message").textContent).toContain("no record of this NHS number");
    expect(must("#lookup-error-action").textContent).toContain("Check the NHS number");
    expect(must("#trace-id").textContent).toBe(lookupView("9990000220", 1).report.trace_id);
    expect($("#banner")).toBeNull();
    expect(document.querySelector("[class*='banner--']")).toBeNull();
  });

  it("shows a rejected lookup command as an error, never a banner", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    ipc.lookups[0]!.d.reject({ code: "NOT_SIGNED_IN", message: "Sign in first", detail: null, trace_id: "abc-123" });
    await flush();
    expect(must("#lookup-error-message").textContent).toBe("Sign in first.");
    expect(must("#trace-id").textContent).toBe("abc-123");
    expect($("#banner")).toBeNull();
  });

  it("shows the progress steps from events for this lookup only", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    const id = ipc.lookups[0]!.id;
    expect(must("#step-tracing").dataset.state).toBe("current");
    ipc.progress({ lookup_id: id, step: "finding_endpoint" });
    expect(must("#step-tracing").dataset.state).toBe("done");
    expect(must("#step-finding_endpoint").dataset.state).toBe("current");
    ipc.progress({ lookup_id: id + 1, step: "querying" });
    expect(must("#step-querying").dataset.state).toBe("pending");
    ipc.progress({ lookup_id: id, step: "querying" });
    expect(must("#step-querying").dataset.state).toBe("current");
    expect(must("#step-querying").textContent).toContain("Checking visitor status");
  });

  it("Cancel calls cancel_lookup and the late result is never shown", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    const l = ipc.lookups[0]!;
    must("#cancel-lookup").click();
    expect(ipc.cancelLookup).toHaveBeenCalledWith(l.id);
    expect($("#progress")).toBeNull();
    l.d.resolve(lookupView("9990000018", l.id));
    await flush();
    expect($("#banner")).toBeNull();
    expect(bodyHtml()).not.toContain("TAYLOR");
  });

  it("copies the trace id, or selects it when the clipboard is unavailable", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    await ipc.answerLast();
    must("#copy-trace-id").click();
    expect(document.getSelection()?.toString()).toBe(must("#trace-id").textContent);
    expect(must("#copy-status").textContent).toMatch(/Ctrl\+C/);

    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    must("#copy-trace-id").click();
    await flush();
    expect(writeText).toHaveBeenCalledWith(must("#trace-id").textContent);
    expect(must("#copy-status").textContent).toBe("Copied");
    Reflect.deleteProperty(navigator, "clipboard");
  });
});

describe("search by details", () => {
  it("checks the fields the NHS way before asking the shell", async () => {
    const { ipc } = await startApp();
    submit("#search-form");
    expect(ipc.searchPatients).not.toHaveBeenCalled();
    expect(must("#search-error-summary").textContent).toContain("Enter the patient's family name");
    expect(must("#search-family-error").textContent).toContain("Enter the patient's family name");
    expect(must("#search-dob-error").textContent).toContain("date of birth");
    expect(must("#search-gender-error").textContent).toContain("gender");
  });

  it("searches, lists the matches and checks the one picked", async () => {
    const { ipc } = await startApp();
    type("#search-family", " Taylor ");
    type("#search-given", "");
    type("#search-dob-day", "11");
    type("#search-dob-month", "2");
    type("#search-dob-year", "1998");
    must<HTMLSelectElement>("#search-gender").value = "female";
    type("#search-postcode", "ls11 6ad");
    submit("#search-form");
    expect(ipc.searchPatients).toHaveBeenCalledWith({ family: "Taylor", given: null, gender: "female", birth_date: "1998-02-11", postcode: "LS11 6AD" });
    ipc.searches[0]!.d.resolve(MATCHES);
    await flush();
    const row = must("#match-9990000018");
    expect(row.textContent).toContain("TAYLOR, Mary (Miss)");
    expect(row.textContent).toContain("999 000 0018");
    expect(row.textContent).toContain("11 February 1998");
    expect(row.textContent).toContain("Female");
    expect(row.textContent).toContain("LS11 6AD");
    expect(row.textContent).toContain("100%");
    expect(must("#match-9990000239").textContent).toContain("Withheld");

    must("#pick-9990000018").click();
    expect(ipc.lookup).toHaveBeenCalledWith("9990000018", expect.any(Number));
    expect($("#search-results")).toBeNull();
  });

  it("refuses a date of birth that is not a real date", async () => {
    const { ipc } = await startApp();
    type("#search-family", "Taylor");
    type("#search-dob-day", "31");
    type("#search-dob-month", "2");
    type("#search-dob-year", "1998");
    must<HTMLSelectElement>("#search-gender").value = "female";
    submit("#search-form");
    expect(must("#search-dob-error").textContent).toContain("real date");
    expect(ipc.searchPatients).not.toHaveBeenCalled();
  });
});

describe("locking", () => {
  it("a locked event removes every patient detail from the page and memory at once", async () => {
    const { app, ipc } = await startApp();
    lookUp("9990000018");
    await ipc.answerLast();
    expect(bodyHtml()).toContain("TAYLOR");
    ipc.lock("card_removed");
    const html = bodyHtml();
    for (const s of ["TAYLOR", "Mary", "999 000 0018", "9990000018", "Rosebery", "LS11", "1998", "Chargeable"]) {
      expect(html).not.toContain(s);
    }
    expect(document.body.textContent).not.toContain("TAYLOR");
    expect($("#nhs-number")).toBeNull();
    expect(must("#lock-message").textContent).toContain("smartcard was removed");
    expect(must("#signin").textContent).toContain("Insert your smartcard");
    expect(must("#announcer").textContent).toBe("");
    expect(JSON.stringify((app as unknown as { pane: unknown }).pane)).toBe('{"kind":"empty"}');
  });

  it("a result arriving after the lock is never shown", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    ipc.lock("idle_timeout");
    await ipc.answerLast();
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect(bodyHtml()).not.toContain("999 000 0018");
    expect(must("#lock-message").textContent).toContain("not used for a while");
  });

  it("clears search matches and typed details too", async () => {
    const { ipc } = await startApp();
    type("#search-family", "Taylor");
    type("#search-dob-day", "11");
    type("#search-dob-month", "2");
    type("#search-dob-year", "1998");
    must<HTMLSelectElement>("#search-gender").value = "female";
    submit("#search-form");
    ipc.searches[0]!.d.resolve(MATCHES);
    await flush();
    expect(bodyHtml()).toContain("TAYLOR");
    ipc.lock("signed_out");
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect(bodyHtml()).not.toContain("9990000018");
    expect($("#search-family")).toBeNull();
  });

  it("a session change away from ready clears the result even without a locked event", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    await ipc.answerLast();
    ipc.emit({ event: "changed", view: session("card_present") });
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect($("#passcode")).not.toBeNull();
  });

  it("Sign out clears the screen at once and tells the shell", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    await ipc.answerLast();
    must("#sign-out").click();
    expect(ipc.signOut).toHaveBeenCalled();
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect($("#banner")).toBeNull();
  });
});

describe("nothing patient-related is stored", () => {
  it("never writes web storage, cookies or the URL through a whole session", async () => {
    const setItem = vi.spyOn(Storage.prototype, "setItem");
    const cookie = vi.spyOn(document, "cookie", "set");
    const pushState = vi.spyOn(history, "pushState");
    const replaceState = vi.spyOn(history, "replaceState");
    const href = location.href;

    const { ipc } = await startApp({ state: "card_present" });
    ipc.signInResult = async () => session("choose_role");
    type("#passcode", "1234");
    submit("#sign-in-form");
    await flush();
    must<HTMLInputElement>("#role-555021936109").checked = true;
    submit("#role-form");
    await flush();
    lookUp("9990000018");
    await ipc.answerLast();
    type("#search-family", "Taylor");
    type("#search-dob-day", "11");
    type("#search-dob-month", "2");
    type("#search-dob-year", "1998");
    must<HTMLSelectElement>("#search-gender").value = "female";
    submit("#search-form");
    ipc.searches[0]!.d.resolve(MATCHES);
    await flush();
    ipc.lock("card_removed");

    expect(setItem).not.toHaveBeenCalled();
    expect(cookie).not.toHaveBeenCalled();
    expect(pushState).not.toHaveBeenCalled();
    expect(replaceState).not.toHaveBeenCalled();
    expect(location.href).toBe(href);
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
  });
});

describe("sign-in", () => {
  it("shows each card state", async () => {
    await startApp({ state: "no_service" });
    expect(must("#signin-status").textContent).toContain("The smartcard service is not running on this computer — contact IT");
    await startApp({ state: "no_reader" });
    expect(must("#signin-status").textContent).toContain("Connect a smartcard reader");
    await startApp({ state: "waiting_for_card" });
    expect(must("#signin-status").textContent).toContain("Insert your smartcard");
    expect($("#passcode")).toBeNull();
  });

  it("asks for the passcode with tries left, and clears the field as soon as sign_in is invoked", async () => {
    const { ipc } = await startApp({ state: "card_present" });
    const input = must<HTMLInputElement>("#passcode");
    expect(input.type).toBe("password");
    expect(input.getAttribute("autocomplete")).toBe("off");
    expect(must("#passcode-hint").textContent).toBe("3 tries left before the card is locked.");
    let valueWhenCalled: string | null = null;
    ipc.signInResult = async () => {
      valueWhenCalled = input.value;
      return new Promise(() => undefined);
    };
    type("#passcode", "1234");
    submit("#sign-in-form");
    expect(ipc.signIn).toHaveBeenCalledWith("1234", false);
    expect(input.value).toBe("");
    expect(valueWhenCalled).toBe("1234"); // read before clearing, cleared right after the invoke
  });

  it("shows the command's wrong-passcode message and the tries left", async () => {
    const { ipc } = await startApp({ state: "card_present" });
    ipc.signInResult = async () => {
      ipc.view = { ...ipc.view, pin: { state: "tries_left", tries: 2 } };
      throw wrongPasscode(2);
    };
    type("#passcode", "0000");
    submit("#sign-in-form");
    await flush();
    expect(must("#passcode-error").textContent).toContain("The passcode is wrong. 2 tries left before the card is locked.");
    // Said once, in the error, not again in the hint.
    expect(must("#sign-in-form").textContent?.match(/2 tries left/g)?.length).toBe(1);
    expect(must<HTMLInputElement>("#passcode").value).toBe("");
  });

  it("with one try left, warns and requires an explicit confirmation before submitting", async () => {
    const { ipc } = await startApp({ state: "card_present", view: { pin: { state: "tries_left", tries: 1 } } });
    expect(must("#last-try-warning").textContent).toContain("will be locked");
    const confirm = must<HTMLInputElement>("#confirm-last-try");
    expect(confirm.type).toBe("checkbox");

    type("#passcode", "1234");
    submit("#sign-in-form");
    expect(ipc.signIn).not.toHaveBeenCalled();
    expect(must("#confirm-last-try-error").textContent).toContain("Confirm");

    ipc.signInResult = async () => session("choose_role");
    must<HTMLInputElement>("#confirm-last-try").checked = true;
    type("#passcode", "1234");
    submit("#sign-in-form");
    expect(ipc.signIn).toHaveBeenCalledWith("1234", true);
    await flush();
    expect($("#role-choice")).not.toBeNull();
  });

  it("shows the confirmation when the engine answers CONFIRM_LAST_TRY", async () => {
    const { ipc } = await startApp({ state: "card_present", view: { pin: null } });
    expect($("#confirm-last-try")).toBeNull();
    ipc.signInResult = async () => {
      throw { code: "CONFIRM_LAST_TRY", message: "One try is left: a wrong passcode will lock the card. Confirm to continue", detail: null, trace_id: null };
    };
    type("#passcode", "1234");
    submit("#sign-in-form");
    await flush();
    expect($("#confirm-last-try")).not.toBeNull();
    expect($("#last-try-warning")).not.toBeNull();
  });

  it("what was typed survives a redraw while the same card stays in, and is what sign_in gets", async () => {
    const { ipc } = await startApp({ state: "card_present", view: { pin: null } });
    const before = type("#passcode", "12");
    // The card's tries arrive after the field first shows: the screen is drawn again.
    ipc.emit({ event: "changed", view: { ...ipc.view, pin: { state: "tries_left", tries: 3 } } });
    const after = must<HTMLInputElement>("#passcode");
    expect(after).not.toBe(before);
    expect(must("#passcode-hint").textContent).toBe("3 tries left before the card is locked.");
    expect(after.value).toBe("12");
    expect(document.activeElement).toBe(after);
    // Drawn again for the same card: still what was typed.
    ipc.emit({ event: "changed", view: { ...ipc.view, pin: { state: "tries_left", tries: 2 } } });
    expect(must<HTMLInputElement>("#passcode").value).toBe("12");
    type("#passcode", "1234");
    submit("#sign-in-form");
    expect(ipc.signIn).toHaveBeenCalledWith("1234", false);
  });

  it("what was typed is forgotten when the card is taken out or the session follows another reader", async () => {
    const { ipc } = await startApp({ state: "card_present" });
    type("#passcode", "12");
    ipc.emit({ event: "changed", view: session("waiting_for_card") });
    ipc.emit({ event: "changed", view: session("card_present") });
    expect(must<HTMLInputElement>("#passcode").value).toBe("");
    type("#passcode", "12");
    ipc.emit({ event: "changed", view: { ...ipc.view, reader: "Virtual PCD 00 01" } });
    expect(must<HTMLInputElement>("#passcode").value).toBe("");
  });

  it("what was typed while the card answered a wrong passcode is not kept under the error", async () => {
    const { ipc } = await startApp({ state: "card_present" });
    let answer!: (e: unknown) => void;
    ipc.signInResult = () => new Promise((_, reject) => (answer = reject));
    type("#passcode", "0000");
    submit("#sign-in-form");
    type("#passcode", "12");
    answer(wrongPasscode(2));
    await flush();
    expect(must("#passcode-error").textContent).toContain("2 tries left");
    expect(must<HTMLInputElement>("#passcode").value).toBe("");
  });

  it("a blocked card shows the Registration Authority message and no passcode field", async () => {
    await startApp({ state: "card_present", view: { pin: { state: "blocked" } } });
    expect(must("#card-blocked").textContent).toContain("This card is locked");
    expect(must("#card-blocked").textContent).toContain("Registration Authority");
    expect($("#passcode")).toBeNull();
    expect($("#sign-in-submit")).toBeNull();
  });

  it("a card blocked by the last wrong passcode shows the same", async () => {
    const { ipc } = await startApp({ state: "card_present", view: { pin: { state: "tries_left", tries: 1 } } });
    ipc.signInResult = async () => {
      throw { code: "CARD_BLOCKED", message: "This card is locked after too many wrong passcodes. Go to your Registration Authority to have it unlocked", detail: null, trace_id: null };
    };
    must<HTMLInputElement>("#confirm-last-try").checked = true;
    type("#passcode", "0000");
    submit("#sign-in-form");
    await flush();
    expect(must("#card-blocked").textContent).toContain("Registration Authority");
    expect($("#passcode")).toBeNull();
  });

  it.each([
    ["CERTIFICATE_EXPIRED", "Your smartcard's certificate has expired. Go to your Registration Authority to renew it"],
    ["NO_ROLE", "You have no role at this organisation in the Spine directory. Ask your Registration Authority to add one"],
  ])("%s shows the command's message", async (code, message) => {
    const { ipc } = await startApp({ state: "card_present" });
    ipc.signInResult = async () => {
      throw { code, message, detail: null, trace_id: null };
    };
    type("#passcode", "1234");
    submit("#sign-in-form");
    await flush();
    expect(must("#sign-in-error-message").textContent).toBe(`${message}.`);
    expect($("#passcode")).toBeNull();
  });

  it("choosing a role calls choose_role and opens the lookup, with the certificate warning", async () => {
    const { ipc } = await startApp({ state: "choose_role", view: { certificate_warning: "Your certificate expires on 14 March 2026." } });
    expect(must("#certificate-warning").textContent).toContain("expires on 14 March 2026");
    expect(must("#certificate-warning").classList.contains("nhsuk-card--warning")).toBe(true);
    submit("#role-form");
    expect(must("#role-error").textContent).toContain("Choose a role");
    expect(ipc.chooseRole).not.toHaveBeenCalled();
    must<HTMLInputElement>("#role-555021936110").checked = true;
    must("#role-continue").click();
    expect(ipc.chooseRole).toHaveBeenCalledWith("555021936110");
    await flush();
    expect($("#nhs-number")).not.toBeNull();
    expect(must("#user-role").textContent).toContain("Admin & Clerical");
  });

  it("Change role clears the result and returns to the role choice", async () => {
    const { ipc } = await startApp();
    expect(must("#user-name").textContent).toContain("Jo Bloggs");
    expect(must("#user-name").textContent).toContain("555021935107");
    lookUp("9990000018");
    await ipc.answerLast();
    must("#change-role").click();
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect(must<HTMLInputElement>("#role-555021936109").checked).toBe(true);
    must<HTMLInputElement>("#role-555021936110").checked = true;
    submit("#role-form");
    expect(ipc.chooseRole).toHaveBeenCalledWith("555021936110");
  });

  it("a role changed by the engine clears the result at once, without Change role", async () => {
    const { ipc } = await startApp();
    lookUp("9990000018");
    await ipc.answerLast();
    expect(bodyHtml()).toContain("TAYLOR");
    const ready = session("ready");
    const other = ready.roles.find((r) => r.role_profile_id !== ready.role?.role_profile_id);
    expect(other).toBeDefined();
    ipc.emit({ event: "changed", view: { ...ready, role: other! } });
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect(bodyHtml()).not.toContain("999 000 0018");
    // The same role again keeps what is on screen.
    lookUp("9990000018");
    await ipc.answerLast();
    ipc.emit({ event: "changed", view: { ...ready, role: other! } });
    expect(bodyHtml()).toContain("TAYLOR");
  });

  it("offers no Change role with a single role", async () => {
    const { ipc } = await startApp();
    ipc.emit({ event: "changed", view: { ...session("ready"), roles: [session("ready").role!] } });
    expect($("#change-role")).toBeNull();
  });
});

describe("training marker", () => {
  const training = { training: true };
  it.each([
    ["no service", { ...training, state: "no_service" as const }],
    ["no reader", { ...training, state: "no_reader" as const }],
    ["waiting for card", { ...training, state: "waiting_for_card" as const }],
    ["passcode", { ...training, state: "card_present" as const }],
    ["blocked", { ...training, state: "card_present" as const, view: { pin: { state: "blocked" as const } } }],
    ["choose role", { ...training, state: "choose_role" as const }],
    ["lookup", { ...training, state: "ready" as const }],
  ])("is visible on the %s screen", async (_name, opts) => {
    await startApp(opts);
    const bar = must("#training-marker");
    expect(bar.hidden).toBe(false);
    expect(bar.textContent).toBe(TRAINING_TEXT);
    expect(document.body.firstElementChild).toBe(bar);
  });

  it("stays through result, error, progress, settings and lock", async () => {
    const { ipc } = await startApp(training);
    const visible = () => expect(must("#training-marker").hidden).toBe(false);
    lookUp("9990000018");
    visible();
    await ipc.answerLast();
    visible();
    lookUp("9990000220");
    await ipc.answerLast();
    visible();
    must("#settings-link").click();
    expect($("#settings")).not.toBeNull();
    visible();
    ipc.lock("card_removed");
    visible();
  });

  it("is absent outside training", async () => {
    await startApp({ training: false, mode: "desk" });
    expect(must("#training-marker").hidden).toBe(true);
  });
});

describe("settings", () => {
  it("summarises the deployment configuration read-only, with a way back", async () => {
    await startApp({ mode: "desk" });
    must("#settings-link").click();
    const text = must("#settings").textContent ?? "";
    for (const s of ["RRK", "University Hospitals Birmingham", "200000000359", "personal-demographics", "0.1.0", "Integration", "15 minutes"]) {
      expect(text).toContain(s);
    }
    // The trust's configuration is read-only; only the user's own settings form takes input.
    expect(must("#settings-list").querySelector("input, select, textarea")).toBeNull();
    for (const field of Array.from(must("#settings").querySelectorAll("input, select, textarea"))) {
      expect(field.closest("#preferences")).not.toBeNull();
    }
    must("#settings-back").click();
    expect($("#nhs-number")).not.toBeNull();
  });
});

describe("kiosk mode", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it("clears the result after the configured time, with a visible countdown", async () => {
    const { ipc } = await startApp({ mode: "kiosk", info: { kiosk: { result_clear_secs: 30, idle_lock_secs: 120 } } });
    lookUp("9990000018");
    await ipc.answerLast();
    expect(must("#kiosk-countdown").textContent).toBe("This result will clear in 30 seconds");
    await vi.advanceTimersByTimeAsync(15_000);
    expect(must("#kiosk-countdown").textContent).toBe("This result will clear in 15 seconds");
    expect($("#banner")).not.toBeNull();
    await vi.advanceTimersByTimeAsync(15_000);
    expect($("#banner")).toBeNull();
    expect($("#kiosk-countdown")).toBeNull();
    expect(bodyHtml()).not.toContain("TAYLOR");
    expect(bodyHtml()).not.toContain("999 000 0018");
    expect(must<HTMLInputElement>("#nhs-number").value).toBe("");
    expect($("#result-cleared")).not.toBeNull();
  });

  it("defaults to 60 seconds", async () => {
    const { ipc } = await startApp({ mode: "kiosk", info: { kiosk: { result_clear_secs: 0, idle_lock_secs: 120 } } });
    lookUp("9990000042");
    await ipc.answerLast();
    expect(must("#kiosk-countdown").textContent).toBe("This result will clear in 60 seconds");
    await vi.advanceTimersByTimeAsync(59_000);
    expect($("#banner")).not.toBeNull();
    await vi.advanceTimersByTimeAsync(1_000);
    expect($("#banner")).toBeNull();
  });

  it("has larger type, no settings, and no context menu", async () => {
    await startApp({ mode: "kiosk" });
    expect(document.body.classList.contains("vm-kiosk")).toBe(true);
    expect(document.documentElement.classList.contains("vm-kiosk")).toBe(true);
    expect($("#settings-link")).toBeNull();
    const e = new MouseEvent("contextmenu", { bubbles: true, cancelable: true });
    must("#main").dispatchEvent(e);
    expect(e.defaultPrevented).toBe(true);
  });

  it("desk mode keeps the context menu and has no countdown", async () => {
    const { ipc } = await startApp({ mode: "desk" });
    const e = new MouseEvent("contextmenu", { bubbles: true, cancelable: true });
    must("#main").dispatchEvent(e);
    expect(e.defaultPrevented).toBe(false);
    lookUp("9990000018");
    await ipc.answerLast();
    expect($("#kiosk-countdown")).toBeNull();
    await vi.advanceTimersByTimeAsync(120_000);
    expect($("#banner")).not.toBeNull();
  });
});

describe("activity and navigation", () => {
  it("calls touch on activity at most once every 5 seconds", async () => {
    vi.useFakeTimers();
    const { ipc } = await startApp();
    const key = () => must("#nhs-number").dispatchEvent(new KeyboardEvent("keydown", { key: "1", bubbles: true }));
    key();
    key();
    document.body.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(ipc.touch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(4_000);
    key();
    expect(ipc.touch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    key();
    expect(ipc.touch).toHaveBeenCalledTimes(2);
  });

  it("ignores keys that would navigate the webview", async () => {
    await startApp();
    const press = (target: Element, init: KeyboardEventInit) => {
      const e = new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init });
      target.dispatchEvent(e);
      return e.defaultPrevented;
    };
    const main = must("#main");
    expect(press(main, { key: "Backspace" })).toBe(true);
    expect(press(must("#nhs-number"), { key: "Backspace" })).toBe(false);
    expect(press(main, { key: "ArrowLeft", altKey: true })).toBe(true);
    expect(press(main, { key: "F5" })).toBe(true);
    expect(press(main, { key: "r", ctrlKey: true })).toBe(true);
    expect(press(main, { key: "a" })).toBe(false);
  });

  it("has no links that could navigate", async () => {
    const { ipc } = await startApp({ training: true });
    lookUp("9990000018");
    await ipc.answerLast();
    expect(document.querySelectorAll("a[href]")).toHaveLength(0);
  });
});
