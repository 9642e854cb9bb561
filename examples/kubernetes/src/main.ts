/**
 * A few workers as pods, under the lifecycle manager: one completes, one fails, one runs into
 * its deadline. Every event is printed; the program exits 0 once every pod is cleaned up.
 *
 * Runs against any cluster your kubeconfig reaches (KUBECONFIG, ~/.kube/config); in this
 * repository: tools/k8s-env/bin/up, then
 *   KUBECONFIG=/tmp/hodei-k8s-env/admin.kubeconfig pnpm --filter @hodei/example-kubernetes start
 * The test.hodei.io annotations drive the fake kubelet of tools/k8s-env; a real cluster ignores
 * them (use a real command there).
 */
import { withLifecycle } from '@hodei/lifecycle-core';
import { createKubernetesProvider } from '@hodei/lifecycle-provider-kubernetes';

const namespace = process.env.HODEI_EXAMPLE_NAMESPACE ?? 'default';
const provider = createKubernetesProvider({
  namespace,
  ...(process.env.HODEI_K8S_KUBECONFIG ? { kubeconfigPath: process.env.HODEI_K8S_KUBECONFIG } : {}),
});

const workers = withLifecycle(provider, {
  scope: 'example-kubernetes',
  policy: { maxLifetime: '6s', ttlAfterCompletion: '2s', gracefulTerminationTimeout: '1s' },
  publisher: {
    publish(event) {
      const who = 'workerId' in event ? event.workerId : '-';
      const extra =
        event.type === 'WorkerEphemeralTerminated'
          ? ` reason=${event.reason} exit=${event.exitCode}`
          : event.type === 'WorkerEphemeralCleanedUp'
            ? ` reason=${event.cleanupReason}`
            : '';
      console.log(`${event.occurredAt.toISOString()} ${event.type} ${who}${extra}`);
    },
  },
});

const job = (annotations: Record<string, string>) => ({
  image: 'busybox:1.36',
  command: ['sh', '-c', 'echo working; sleep 2'],
  resources: { cpu: '100m', memory: '32Mi' },
  annotations,
});

const created = await Promise.all([
  workers.createWorker(job({ 'test.hodei.io/exit-code': '0', 'test.hodei.io/run-for': '1s' })),
  workers.createWorker(job({ 'test.hodei.io/exit-code': '2', 'test.hodei.io/run-for': '2s' })),
  workers.createWorker(job({})), // runs until its 6 s deadline
]);
console.log(`created ${created.length} pods in namespace ${provider.namespace}`);

const deadline = Date.now() + 60_000;
while (workers.workers().length > 0) {
  if (Date.now() > deadline) {
    console.error('timed out after 60 s waiting for every worker to be cleaned up');
    await workers.close();
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}
const left = await workers.list({ scope: workers.scope });
await workers.close();
if (left.length > 0) {
  console.error(`pods left behind: ${left.map((w) => w.workerId).join(', ')}`);
  process.exit(1);
}
console.log('every worker was cleaned up');
