// The shell's events: the page asks for them in turn (`next_events`, a long poll over the same
// IPC as every command) rather than the shell running a script in the page for each one, which
// would start a second JavaScript engine in the app process (README, "Performance").

import type { EventBatch } from "./bindings/EventBatch";
import type { UiEvent } from "./bindings/UiEvent";

export type Unlisten = () => void;

/** The payload of each kind of event. */
export type EventOf<K extends UiEvent["kind"]> = Extract<UiEvent, { kind: K }>["event"];

/** Asks the shell for the events after `after` (`null`: where they start for a page now). */
export type AskEvents = (after: number | null) => Promise<EventBatch>;

export interface EventStreams {
  /** Calls `handler` with every event of this kind from now on, in order, starting with those
   *  the shell's start brings (the session as it is now); resolves once the page is following
   *  the events (an event after that is never missed). */
  on<K extends UiEvent["kind"]>(kind: K, handler: (event: EventOf<K>) => void): Promise<Unlisten>;
}

/** An error thrown again outside the event loop's turn: the page's error handling sees it, and
 *  the events go on. */
export const throwLater = (error: unknown): void => {
  setTimeout(() => {
    throw error;
  });
};

/** Follows the shell's events while anyone listens. A failed ask is asked again after `retryMs`
 *  from the same place, so nothing is lost when one request fails. A handler's error goes to
 *  `report`. */
export function eventStreams(ask: AskEvents, retryMs = 250, report: (error: unknown) => void = throwLater): EventStreams {
  const handlers = new Map<UiEvent["kind"], Set<(event: unknown) => void>>();
  let listening = 0;
  let following: Promise<void> | null = null;

  const dispatch = (e: UiEvent): void => {
    for (const handler of [...(handlers.get(e.kind) ?? [])]) {
      try {
        handler(e.event);
      } catch (error) {
        // One handler's failure neither stops the others nor the events that follow.
        report(error);
      }
    }
  };

  const follow = async (from: number): Promise<void> => {
    let next = from;
    while (listening > 0) {
      let batch: EventBatch;
      try {
        batch = await ask(next);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        continue;
      }
      for (const e of batch.events) dispatch(e);
      next = batch.next;
    }
    following = null;
  };

  return {
    on(kind, handler) {
      const set = handlers.get(kind) ?? new Set();
      handlers.set(kind, set);
      const h = handler as (event: unknown) => void;
      set.add(h);
      listening += 1;
      const stop: Unlisten = () => {
        if (set.delete(h)) listening -= 1;
      };
      if (!following) {
        // The start's events (the session as it is now) go to the listeners before any later
        // one, and before anyone is told the page is following.
        following = ask(null).then((start) => {
          for (const e of start.events) dispatch(e);
          void follow(start.next);
        });
        following.catch(() => {
          following = null;
        });
      }
      return following.then(
        () => stop,
        (error: unknown) => {
          stop();
          throw error;
        },
      );
    },
  };
}
