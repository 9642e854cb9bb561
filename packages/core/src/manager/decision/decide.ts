/**
 * The decision function: the single place where the lifecycle's policy rules live.
 *
 * Given a worker's facts, its latest observation, the time and the policy, `decide` returns
 * the next state, the events to publish, the provider calls to make and when to look again.
 * It reads no clock, does no I/O and changes nothing: the manager applies its answer and asks
 * again until it is settled; the operator CLI asks it to explain a worker's future.
 *
 * The rules are tried in order; the first that acts (or holds the worker, waiting for a call
 * in flight or a backoff) decides. Their order is the precedence: what the infrastructure
 * observed comes before what the clock says (a job that completed before its deadline was
 * seen ended `JobCompleted`, even when its adopter arrives after the deadline).
 */
import { LifecycleState } from '../../state/lifecycle-state.js';
import type { Decision, DecisionInput, RuleName, UpcomingRule } from './decision-types.js';
import {
  callerRemoval,
  callerTermination,
  endWithoutStop,
  idleTimeout,
  jobEnded,
  maxLifetime,
  startupTimeout,
  stopping,
} from './ending-rules.js';
import { busyMark, idleMark, pollReadiness, ready } from './readiness-rules.js';
import {
  callerCleanup,
  created,
  createFailed,
  removal,
  resumeRemoval,
  ttlExpired,
  vanished,
} from './removal-rules.js';
import { contextOf, type Rule } from './rule.js';

const S = LifecycleState;
const none: readonly never[] = Object.freeze([]);
const noChanges = Object.freeze({});

/**
 * Every rule, in precedence order. Removing any one of them makes a test fail (the mutation
 * check in packages/core/test/mutation-check.mjs drops each in turn).
 */
export const rules: readonly Rule[] = [
  vanished,
  createFailed,
  created,
  resumeRemoval,
  ttlExpired,
  callerCleanup,
  removal,
  jobEnded,
  callerRemoval,
  startupTimeout,
  maxLifetime,
  callerTermination,
  idleMark,
  idleTimeout,
  endWithoutStop,
  stopping,
  ready,
  busyMark,
  pollReadiness,
];

/** The names of the rules, in precedence order. */
export const ruleNames: readonly RuleName[] = rules.map((rule) => rule.name);

/** The rules that act at a time of their own (a deadline, a TTL, a poll). */
const timedRules = rules.filter((rule) => rule.due !== undefined);

/**
 * Decides what happens next to one worker. Pure: the same input gives the same answer.
 *
 * Apply the answer (its state, changes, events and effects) and, while it is not `settled`,
 * decide again at once. A settled answer says when to look again (`wakeAt`), if nothing is
 * observed first, and lists the rules that will act later (`upcoming`).
 */
export function decide(input: DecisionInput): Decision {
  const ctx = contextOf(input);
  const state = input.worker.state;
  if (state !== S.CleanedUp) {
    for (const rule of rules) {
      const outcome = rule.decide(ctx);
      if (outcome === undefined) continue;
      if ('hold' in outcome) {
        const until =
          outcome.until !== undefined && outcome.until > input.now ? outcome.until : undefined;
        return {
          rule: rule.name,
          state,
          changes: noChanges,
          events: none,
          effects: none,
          settled: true,
          wakeAt: until,
          upcoming: until === undefined ? none : [{ rule: rule.name, at: until }],
        };
      }
      const silent = input.worker.creation === 'failed';
      return {
        rule: rule.name,
        state: outcome.state ?? state,
        changes: outcome.changes ?? noChanges,
        events: silent ? none : (outcome.events ?? none),
        effects: outcome.effects ?? none,
        settled: false,
        wakeAt: undefined,
        upcoming: none,
      };
    }
  }
  const upcoming: UpcomingRule[] = [];
  if (state !== S.CleanedUp) {
    for (const rule of timedRules) {
      const at = rule.due!(ctx);
      if (at !== undefined && at > input.now) upcoming.push({ rule: rule.name, at });
    }
    if (upcoming.length > 1) upcoming.sort((a, b) => a.at - b.at);
  }
  return {
    rule: undefined,
    state,
    changes: noChanges,
    events: none,
    effects: none,
    settled: true,
    wakeAt: upcoming[0]?.at,
    upcoming,
  };
}
