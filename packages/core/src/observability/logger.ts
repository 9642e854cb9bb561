/**
 * A logger shape compatible with pino (and with most structured loggers): an object of fields
 * first, then the message. Pass `pino()` itself, or anything with these four methods.
 */
export interface LifecycleLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
  /** When present, used to bind scope and provider id to every line. */
  child?(bindings: Record<string, unknown>): LifecycleLogger;
}

const noop = () => {};

/** The default: says nothing. */
export const silentLogger: LifecycleLogger = { debug: noop, info: noop, warn: noop, error: noop };
