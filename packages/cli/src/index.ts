/**
 * @hodei/lifecycle-cli: the operator command `hodei-lifecycle` (ls, explain, gc, reap,
 * events). `runCli` runs it in-process, for instance against an in-memory provider.
 *
 * @packageDocumentation
 */
export { type CliIo, type CliStream, runCli } from './cli.js';
export { ExitCode } from './errors.js';
