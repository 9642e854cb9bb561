/**
 * @hodei/lifecycle-provider-kubernetes: ephemeral workers as pods, for the Hodei Lifecycle
 * manager, with the least-privilege Role it needs. No @kubernetes/client-node type is part of
 * this API: settings are plain data.
 *
 * @packageDocumentation
 */
export type {
  KubernetesSecurityContext,
  KubernetesTaintEffect,
  KubernetesToleration,
  KubernetesTolerationOperator,
  KubernetesWorkerExtension,
} from './extension.js';
export {
  createKubernetesProvider,
  type KubernetesProvider,
  kubernetesCapabilities,
  kubernetesProviderPlugin,
} from './kubernetes-provider.js';
export { podName, WORKER_CONTAINER } from './pod.js';
export {
  DEFAULT_ROLE_NAME,
  type KubernetesManifest,
  MANIFEST_NAMESPACE,
  type RenderedRole,
  type RenderRoleOptions,
  renderRole,
  roleRules,
} from './role.js';
export type { KubernetesProviderSettings, KubernetesRequestInfo } from './settings.js';
