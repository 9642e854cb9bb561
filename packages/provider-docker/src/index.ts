/**
 * @hodei/lifecycle-provider-docker: ephemeral workers as Docker containers, for the Hodei
 * Lifecycle manager. No dockerode type is part of this API: settings are plain data.
 *
 * @packageDocumentation
 */
export { containerName, MIN_DOCKER_CPU_MILLIS } from './container-config.js';
export {
  createDockerProvider,
  type DockerProvider,
  dockerCapabilities,
  dockerProviderPlugin,
} from './docker-provider.js';
export type { DockerHealthcheck, DockerMount, DockerWorkerExtension } from './extension.js';
export type {
  DockerHealthcheckDefaults,
  DockerProviderSettings,
  DockerRequestInfo,
} from './settings.js';
