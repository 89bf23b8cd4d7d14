// The one event stream of a run: an in-process emitter that stamps each event with its time
// and hands it to every subscriber (renderers, the JSONL writer, the record writer).

import { visible } from '../../grammar/diagnostics.js';
import type { EventInput, EventSink, RunEvent } from '../events.js';

export type Listener = (event: RunEvent) => void;

export interface EventStream {
  /** Stamp `t` and deliver to every subscriber, in subscription order. */
  emit: EventSink;
  /** Add a listener (`first`: before those already subscribed); returns its unsubscribe function. */
  subscribe(listener: Listener, options?: { first?: boolean }): () => void;
}

export function createEventStream(clock: () => number = Date.now): EventStream {
  const listeners: Listener[] = [];
  return {
    emit(input: EventInput): void {
      const event = { t: clock(), ...input } as RunEvent;
      // Messages carry user text (file names, values), and so may other strings of an event (a
      // node's cache reason, the backend's reason): never let a control byte reach a terminal —
      // the TUI draws these strings itself, past the CLI's output guard.
      visibleStrings(event);
      for (const l of [...listeners]) {
        try {
          l(event);
        } catch (err) {
          // A renderer bug must never stop training; report it once on stderr.
          process.stderr.write(`ssl3d: event listener failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    },
    subscribe(listener: Listener, options?: { first?: boolean }): () => void {
      if (options?.first) listeners.unshift(listener);
      else listeners.push(listener);
      return () => {
        const i = listeners.indexOf(listener);
        if (i >= 0) listeners.splice(i, 1);
      };
    },
  };
}

/** Every string inside `o` (objects and arrays, in place) with control characters made visible. */
function visibleStrings(o: unknown): void {
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const x: unknown = o[i];
      if (typeof x === 'string') {
        const v = visible(x);
        if (v !== x) o[i] = v; // written only when it changes (nothing else is touched)
      } else if (typeof x === 'object' && x !== null) visibleStrings(x);
    }
  } else if (typeof o === 'object' && o !== null) {
    const r = o as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      const x = r[k];
      if (typeof x === 'string') {
        const v = visible(x);
        if (v !== x) r[k] = v;
      } else if (typeof x === 'object' && x !== null) visibleStrings(x);
    }
  }
}
