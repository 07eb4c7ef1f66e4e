// Following the shell's events by asking for them (`next_events`): order, nothing lost across a
// failed request, no event missed between listening and asking for the session, stopping.

import { describe, expect, it, vi } from "vitest";
import type { EventBatch } from "../src/bindings/EventBatch";
import type { UiEvent } from "../src/bindings/UiEvent";
import { eventStreams, throwLater } from "../src/events";

const locked: UiEvent = { kind: "session", event: { event: "locked", reason: "card_removed" } };
const progress = (lookup_id: number): UiEvent => ({ kind: "lookup_progress", event: { lookup_id, step: "tracing" } });
const batch = (next: number, events: UiEvent[], missed = false): EventBatch => ({ next, events, missed });

/** A shell whose answers the test gives one by one; each ask waits for its answer. */
function shell() {
  const asked: (number | null)[] = [];
  const pending: { resolve: (b: EventBatch) => void; reject: (e: unknown) => void }[] = [];
  const ask = vi.fn((after: number | null) => {
    asked.push(after);
    return new Promise<EventBatch>((resolve, reject) => pending.push({ resolve, reject }));
  });
  const answer = async (b: EventBatch) => {
    await vi.waitFor(() => expect(pending.length).toBeGreaterThan(0));
    pending.shift()!.resolve(b);
  };
  const fail = async () => {
    await vi.waitFor(() => expect(pending.length).toBeGreaterThan(0));
    pending.shift()!.reject(new Error("IPC failed"));
  };
  return { ask, asked, answer, fail, pending };
}

describe("eventStreams", () => {
  it("starts where the events stand, then hands over each event in order, asking from where the last answer ended", async () => {
    const s = shell();
    const reported = vi.fn();
    const streams = eventStreams(s.ask, 1, reported);
    const seen: unknown[] = [];
    const listening = streams.on("session", (e) => seen.push(e));
    const listeningToo = streams.on("lookup_progress", (e) => seen.push(e));
    await s.answer(batch(10, []));
    const stops = await Promise.all([listening, listeningToo]);
    const worklist: UiEvent = { kind: "worklist_progress", event: { summary: {} as never, finished: false, error: null } };
    await s.answer(batch(14, [progress(1), locked, worklist, progress(2)]));
    await vi.waitFor(() => expect(s.asked).toEqual([null, 10, 14]));
    expect(seen).toEqual([progress(1).event, locked.event, progress(2).event]);
    expect(reported).not.toHaveBeenCalled();
    stops.forEach((stop) => stop());
    await s.answer(batch(14, []));
  });

  it("hands the start's events (the session as it is now) to the listeners before telling them the page follows", async () => {
    const s = shell();
    const streams = eventStreams(s.ask, 1);
    const seen: unknown[] = [];
    const listening = streams.on("session", (e) => seen.push(e));
    const now: UiEvent = { kind: "session", event: { event: "changed", view: {} as never } };
    await s.answer(batch(5, [now]));
    const stop = await listening;
    expect(seen).toEqual([now.event]);
    await vi.waitFor(() => expect(s.asked).toEqual([null, 5]));
    stop();
    await s.answer(batch(5, []));
  });

  it("a listener stopped twice stops once: the others still get their events", async () => {
    const s = shell();
    const streams = eventStreams(s.ask, 1);
    const first = streams.on("session", () => undefined);
    const seen = vi.fn();
    const second = streams.on("session", seen);
    await s.answer(batch(0, []));
    const stop = await first;
    stop();
    stop();
    await s.answer(batch(1, [locked]));
    await vi.waitFor(() => expect(seen).toHaveBeenCalledTimes(1));
    await vi.waitFor(() => expect(s.asked).toEqual([null, 0, 1]));
    (await second)();
    await s.answer(batch(1, []));
  });

  it("a failed ask after everyone stopped is not asked again", async () => {
    const s = shell();
    const streams = eventStreams(s.ask, 1);
    const stop = await Promise.all([streams.on("session", () => undefined), s.answer(batch(2, []))]);
    stop[0]();
    await s.fail();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(s.asked).toEqual([null, 2]);
  });

  it("a handler's error is thrown again on its own, outside the events' turn", () => {
    vi.useFakeTimers();
    try {
      throwLater(new Error("boom"));
      expect(() => vi.runAllTimers()).toThrow("boom");
    } finally {
      vi.useRealTimers();
    }
  });

  it("listening resolves only once the page follows the events, so the session asked for next misses none", async () => {
    const s = shell();
    const streams = eventStreams(s.ask, 1);
    let resolved = false;
    void streams.on("session", () => undefined).then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(false);
    await s.answer(batch(0, []));
    await vi.waitFor(() => expect(resolved).toBe(true));
    expect(s.ask).toHaveBeenCalledTimes(2);
    expect(s.asked).toEqual([null, 0]);
  });

  it("a failed ask is asked again from the same place: no event lost", async () => {
    const s = shell();
    const streams = eventStreams(s.ask, 1);
    const seen = vi.fn();
    const stop = streams.on("session", seen);
    await s.answer(batch(5, []));
    await stop;
    await s.fail();
    await s.answer(batch(6, [locked]));
    await vi.waitFor(() => expect(seen).toHaveBeenCalledWith(locked.event));
    expect(s.asked.slice(0, 3)).toEqual([null, 5, 5]);
    (await stop)();
    await s.answer(batch(6, []));
  });

  it("a handler that throws stops neither the others nor the events that follow", async () => {
    const s = shell();
    const reported = vi.fn();
    const streams = eventStreams(s.ask, 1, reported);
    const after = vi.fn();
    const throwing = streams.on("session", () => {
      throw new Error("boom");
    });
    const other = streams.on("session", after);
    await s.answer(batch(0, []));
    const stops = await Promise.all([throwing, other]);
    await s.answer(batch(2, [locked, locked]));
    await vi.waitFor(() => expect(after).toHaveBeenCalledTimes(2));
    expect(reported).toHaveBeenCalledTimes(2);
    stops.forEach((stop) => stop());
    await s.answer(batch(2, []));
  });

  it("stops asking once nobody listens, and starts again where the events then stand", async () => {
    const s = shell();
    const streams = eventStreams(s.ask, 1);
    const seen = vi.fn();
    const first = streams.on("session", seen);
    await s.answer(batch(3, []));
    (await first)();
    await s.answer(batch(4, [locked]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).not.toHaveBeenCalled();
    expect(s.asked).toEqual([null, 3]);
    const again = streams.on("session", seen);
    await s.answer(batch(9, []));
    (await again)();
    await vi.waitFor(() => expect(s.asked).toEqual([null, 3, null, 9]));
    await s.answer(batch(9, []));
  });

  it("when the first ask fails, listening fails with it", async () => {
    const s = shell();
    const streams = eventStreams(s.ask, 1);
    const listening = streams.on("session", () => undefined);
    await s.fail();
    await expect(listening).rejects.toThrow("IPC failed");
    // Listening again asks again.
    const again = streams.on("session", () => undefined);
    await s.answer(batch(7, []));
    (await again)();
    expect(s.asked.slice(0, 2)).toEqual([null, null]);
    await s.answer(batch(7, []));
  });
});
