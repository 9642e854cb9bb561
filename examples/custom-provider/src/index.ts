/**
 * The process provider: each worker is a local child process. An example of a third-party
 * provider, written against the public API of @hodei/lifecycle-core only.
 */
export {
  defaultProcessHost,
  type HostEvent,
  type HostOperation,
  type ProcessEntry,
  ProcessHost,
  type ProcessHostOptions,
  type ProcessLaunch,
} from './process-host.ts';
export {
  checkProcessSpec,
  createProcessProvider,
  PROCESS_IMAGE,
  type ProcessExtension,
  type ProcessProvider,
  type ProcessProviderOptions,
  type ProcessSpec,
  processCapabilities,
  processProviderPlugin,
} from './process-provider.ts';
