/** The rules of a running worker's life: readiness, and the caller's busy and idle marks. */
import { LifecycleState } from '../../state/lifecycle-state.js';
import type { DecidedEvent } from './decision-types.js';
import type { Rule } from './rule.js';

const S = LifecycleState;

/** It became ready: Ready (or Running, when the caller already marked it busy); idle from now. */
export const ready: Rule = {
  name: 'ready',
  decide({ w, present, now }) {
    if (w.state !== S.Initializing || !present?.ready || present.phase !== 'running')
      return undefined;
    if (present.removing) return undefined;
    const readyEvent: DecidedEvent = {
      actor: 'infrastructure',
      payload: { type: 'WorkerEphemeralReady' },
    };
    if (w.busy) return { state: S.Running, events: [readyEvent] };
    return { state: S.Ready, changes: { idleSince: now }, events: [readyEvent] };
  },
};

/** The caller marked it busy: Running; the idle timeout stops counting. */
export const busyMark: Rule = {
  name: 'busy-mark',
  decide({ w }) {
    return w.state === S.Ready && w.busy ? { state: S.Running } : undefined;
  },
};

/** The caller marked it idle: Ready, announced; the idle timeout counts from the mark. */
export const idleMark: Rule = {
  name: 'idle-mark',
  decide({ w }) {
    if (w.idleMarkedAt === undefined || w.busy) return undefined;
    if (w.state !== S.Ready && w.state !== S.Running) return undefined;
    return {
      state: S.Ready,
      changes: { idleMarkedAt: undefined, idleSince: w.idleMarkedAt },
      events: [
        {
          actor: 'caller',
          payload: { type: 'WorkerEphemeralIdle', idleSince: new Date(w.idleMarkedAt) },
        },
      ],
    };
  },
};

/** Without a watch, a starting worker's readiness is read back at an interval. */
export const pollReadiness: Rule = {
  name: 'poll-readiness',
  decide(ctx) {
    const at = pollReadiness.due!(ctx);
    if (at === undefined || ctx.now < at || ctx.w.inFlight !== undefined) return undefined;
    return { effects: [{ kind: 'confirm', of: 'readiness' }] };
  },
  due({ w, environment: env }) {
    if (w.state !== S.Initializing || env.watching || w.inFlight !== undefined) return undefined;
    return Math.max(w.checkedAt ?? 0, w.lastSeenAt) + env.readinessPollInterval;
  },
};
