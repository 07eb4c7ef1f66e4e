import { describe, expect, it } from "vitest";
import { checkNhsNumber, formatAsTyped, formatNhsNumber, mod11Valid, nhsNumberError } from "../src/nhs-number";

describe("Modulus 11", () => {
  it.each([
    ["9434765919", true], // the NHS's own example
    ["9990000018", true],
    ["1000000060", true], // 11 − (sum mod 11) = 11 → check digit 0
    ["9434765918", false], // wrong check digit
    ["9900002831", false], // the V&M specification's example number fails the check
    ["1234567890", false], // check digit would be 10: no valid number has this prefix
    ["1234567891", false],
    ["123456789", false], // too short
    ["94347659190", false], // too long
    ["943476591a", false], // letters
  ])("%s → %s", (digits, valid) => {
    expect(mod11Valid(digits)).toBe(valid);
  });
});

describe("reading what was typed", () => {
  it("accepts spaces and dashes", () => {
    expect(checkNhsNumber("943 476 5919")).toEqual({ kind: "valid", digits: "9434765919" });
    expect(checkNhsNumber(" 943-476-5919 ")).toEqual({ kind: "valid", digits: "9434765919" });
  });
  it("refuses 9900002831 with an error as soon as the 10 digits are there", () => {
    const check = checkNhsNumber("990 000 2831");
    expect(check.kind).toBe("check_failed");
    expect(nhsNumberError(check, false)).toMatch(/not a valid NHS number/);
  });
  it("says nothing about a short number until it is submitted", () => {
    const check = checkNhsNumber("943 47");
    expect(check.kind).toBe("incomplete");
    expect(nhsNumberError(check, false)).toBeNull();
    expect(nhsNumberError(check, true)).toMatch(/10 digits/);
  });
  it("refuses letters at once", () => {
    const check = checkNhsNumber("943A");
    expect(check.kind).toBe("not_digits");
    expect(nhsNumberError(check, false)).toMatch(/only numbers/);
  });
  it("refuses more than 10 digits", () => {
    expect(checkNhsNumber("94347659190").kind).toBe("too_long");
  });
  it("asks for a number when empty on submit", () => {
    expect(nhsNumberError(checkNhsNumber("  "), true)).toMatch(/Enter/);
  });
});

describe("3-3-4 formatting", () => {
  it("groups digits", () => {
    expect(formatNhsNumber("9434765919")).toBe("943 476 5919");
    expect(formatNhsNumber("9434")).toBe("943 4");
    expect(formatNhsNumber("943")).toBe("943");
    expect(formatNhsNumber("")).toBe("");
  });
  it("keeps the caret after the same digit while typing at the end", () => {
    expect(formatAsTyped("9434", 4)).toEqual({ value: "943 4", caret: 5 });
    expect(formatAsTyped("943 4765", 8)).toEqual({ value: "943 476 5", caret: 9 });
    expect(formatAsTyped("943 476 5919", 12)).toEqual({ value: "943 476 5919", caret: 12 });
  });
  it("keeps the caret in the middle when editing there", () => {
    // "943 476 591" with a 9 typed after "94": 9 4 9 | 3 ...
    expect(formatAsTyped("9493 476 591", 3)).toEqual({ value: "949 347 6591", caret: 3 });
    // deleting the space after "943" leaves the caret after the 3rd digit
    expect(formatAsTyped("943476", 3)).toEqual({ value: "943 476", caret: 3 });
  });
  it("formats pasted numbers with dashes or without spaces", () => {
    expect(formatAsTyped("943-476-5919", 12).value).toBe("943 476 5919");
    expect(formatAsTyped("9434765919", 10)).toEqual({ value: "943 476 5919", caret: 12 });
  });
  it("leaves input with letters alone (it gets an error instead)", () => {
    expect(formatAsTyped("94a4", 4)).toEqual({ value: "94a4", caret: 4 });
  });
});

describe("the exact words of each NHS number error", () => {
  it.each([
    ["943 476 5919", null, null],
    ["", "Enter the patient's NHS number", null],
    ["943 47", "An NHS number has 10 digits", null],
    ["943A", "An NHS number contains only numbers", "An NHS number contains only numbers"],
    ["943 476 59190", "An NHS number has 10 digits", "An NHS number has 10 digits"],
    ["990 000 2831", "This is not a valid NHS number: check it has been typed correctly", "This is not a valid NHS number: check it has been typed correctly"],
  ])("%j → on submit %j, while typing %j", (input, onSubmit, whileTyping) => {
    const check = checkNhsNumber(input);
    expect(nhsNumberError(check, true)).toBe(onSubmit);
    expect(nhsNumberError(check, false)).toBe(whileTyping);
  });

  it("refuses anything but digits, spaces and dashes anywhere in the input", () => {
    expect(checkNhsNumber("x943 476 5919").kind).toBe("not_digits");
    expect(checkNhsNumber("943 476 5919x").kind).toBe("not_digits");
    expect(checkNhsNumber("943 476\u00a05919").kind).toBe("valid");
  });
});

describe("3-3-4 formatting of numbers with separators", () => {
  it("drops spaces and dashes before grouping", () => {
    expect(formatNhsNumber("943-476-5919")).toBe("943 476 5919");
    expect(formatNhsNumber(" 94 34")).toBe("943 4");
  });

  it("keeps the caret after the same digit when it sits after a group space", () => {
    expect(formatAsTyped("943 476 5919", 5)).toEqual({ value: "943 476 5919", caret: 5 });
    expect(formatAsTyped("943 476 5919", 4)).toEqual({ value: "943 476 5919", caret: 3 });
    expect(formatAsTyped("943-476-5919", 8)).toEqual({ value: "943 476 5919", caret: 7 });
  });

  it("leaves more than 10 digits as typed (they get an error instead)", () => {
    expect(formatAsTyped("94347659190", 11)).toEqual({ value: "94347659190", caret: 11 });
    expect(formatAsTyped("943 476 59190", 3)).toEqual({ value: "943 476 59190", caret: 3 });
  });
});
