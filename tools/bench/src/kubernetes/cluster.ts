/**
 * The API server of tools/k8s-env as the benchmark sees it: clients, throw-away namespaces, and
 * an observer that records when each pod and Job reached each stage (its own list and watch,
 * started before anything is measured).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import { pollUntil, pool } from '../lib/pool.ts';

export const KUBECONFIG_PATH =
  process.env.HODEI_K8S_KUBECONFIG ?? '/tmp/hodei-k8s-env/admin.kubeconfig';
export const kubeconfigText = (): string => readFileSync(KUBECONFIG_PATH, 'utf8');

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigText());
  return kc;
}

const admin = kubeConfig();
export const core = admin.makeApiClient(CoreV1Api);
export const batch = admin.makeApiClient(BatchV1Api);
export const hex = (): string => randomBytes(3).toString('hex');

/** `DELETE pods/{name}`, for counting API requests by kind. */
export function kubeRequestKind(method: string, path: string): string {
  const bare = path.replace(/\?.*$/, '');
  const watch = /[?&]watch=(true|1)/.test(path) ? ' (watch)' : '';
  const kind = bare
    .replace(/^\/api\/v1\/namespaces\/[^/]+/, '')
    .replace(/^\/apis\/batch\/v1\/namespaces\/[^/]+/, '')
    .replace(/^\/(pods|jobs)\/[^/]+/, '/$1/{name}');
  return `${method} ${kind || bare}${watch}`;
}

export async function newNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${hex()}`;
  await core.createNamespace({ body: { metadata: { name } } });
  await pollUntil(`ServiceAccount ${name}/default`, () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(
      () => true,
      () => false,
    ),
  );
  return name;
}

/** Force-deletes what is left in the namespace, then the namespace. */
export async function dropNamespace(namespace: string): Promise<void> {
  const jobs = await batch.listNamespacedJob({ namespace }).catch(() => ({ items: [] as V1Job[] }));
  await pool(jobs.items.length, 32, (i) =>
    batch
      .deleteNamespacedJob({
        name: jobs.items[i]!.metadata!.name!,
        namespace,
        propagationPolicy: 'Background',
      })
      .catch(() => undefined),
  );
  const pods = await core.listNamespacedPod({ namespace }).catch(() => ({ items: [] as V1Pod[] }));
  await pool(pods.items.length, 32, (i) =>
    core
      .deleteNamespacedPod({
        name: pods.items[i]!.metadata!.name!,
        namespace,
        gracePeriodSeconds: 0,
      })
      .catch(() => undefined),
  );
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
}

/** When the observer first saw a pod in each stage (ms since the epoch, this machine's clock). */
export interface PodTimes {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The Job that owns it (label job-name). */
  job?: string;
  runningAt?: number;
  /** Phase Succeeded or Failed. */
  finishedAt?: number;
  phase?: string;
  /** deletionTimestamp set. */
  deletingAt?: number;
  /** spec.activeDeadlineSeconds as first seen. */
  firstDeadlineSeconds?: number;
  /** spec.activeDeadlineSeconds first seen lowered (how the manager stops a pod). */
  deadlineLoweredAt?: number;
  goneAt?: number;
}

export interface JobTimes {
  name: string;
  /** status.startTime, as the API stores it (whole seconds). */
  startTime?: number;
  activeDeadlineSeconds?: number;
  /** The job controller's decision first seen: SuccessCriteriaMet, FailureTarget, Complete or Failed. */
  decidedAt?: number;
  /** Complete or Failed (what the TTL controller counts from). */
  finishedAt?: number;
  /** deletionTimestamp set (the TTL controller deletes in the foreground). */
  deletingAt?: number;
  goneAt?: number;
}

/** Watches the namespace's pods and Jobs and keeps when each reached each stage. */
export async function observe(namespace: string) {
  const kc = kubeConfig();
  const api = kc.makeApiClient(CoreV1Api);
  const jobsApi = kc.makeApiClient(BatchV1Api);
  const pods = new Map<string, PodTimes>();
  const jobs = new Map<string, JobTimes>();
  const podInformer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, () =>
    api.listNamespacedPod({ namespace }),
  );
  const jobInformer = makeInformer<V1Job>(kc, `/apis/batch/v1/namespaces/${namespace}/jobs`, () =>
    jobsApi.listNamespacedJob({ namespace }),
  );
  const onPod = (pod: V1Pod, gone = false) => {
    const now = Date.now();
    const name = pod.metadata!.name!;
    let t = pods.get(name);
    if (!t) {
      t = {
        name,
        labels: pod.metadata?.labels ?? {},
        annotations: pod.metadata?.annotations ?? {},
        job: pod.metadata?.labels?.['job-name'],
      };
      pods.set(name, t);
    }
    const phase = pod.status?.phase;
    const ads = pod.spec?.activeDeadlineSeconds;
    if (t.firstDeadlineSeconds === undefined) t.firstDeadlineSeconds = ads;
    else if (
      ads !== undefined &&
      ads < t.firstDeadlineSeconds &&
      t.deadlineLoweredAt === undefined
    ) {
      t.deadlineLoweredAt = now;
    }
    if (phase === 'Running' && t.runningAt === undefined) t.runningAt = now;
    if ((phase === 'Succeeded' || phase === 'Failed') && t.finishedAt === undefined) {
      t.finishedAt = now;
      t.phase = phase;
    }
    if (pod.metadata?.deletionTimestamp && t.deletingAt === undefined) t.deletingAt = now;
    if (gone && t.goneAt === undefined) t.goneAt = now;
  };
  const onJob = (job: V1Job, gone = false) => {
    const now = Date.now();
    const name = job.metadata!.name!;
    let t = jobs.get(name);
    if (!t) {
      t = { name, activeDeadlineSeconds: job.spec?.activeDeadlineSeconds };
      jobs.set(name, t);
    }
    if (job.status?.startTime && t.startTime === undefined) {
      t.startTime = new Date(job.status.startTime).getTime();
    }
    const done = job.status?.conditions?.some(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    if (done && t.finishedAt === undefined) t.finishedAt = now;
    const decided = job.status?.conditions?.some(
      (c) =>
        ['Complete', 'Failed', 'SuccessCriteriaMet', 'FailureTarget'].includes(c.type) &&
        c.status === 'True',
    );
    if (decided && t.decidedAt === undefined) t.decidedAt = now;
    if (job.metadata?.deletionTimestamp && t.deletingAt === undefined) t.deletingAt = now;
    if (gone && t.goneAt === undefined) t.goneAt = now;
  };
  podInformer.on('add', (p) => onPod(p));
  podInformer.on('update', (p) => onPod(p));
  podInformer.on('delete', (p) => onPod(p, true));
  jobInformer.on('add', (j) => onJob(j));
  jobInformer.on('update', (j) => onJob(j));
  jobInformer.on('delete', (j) => onJob(j, true));
  const errors: unknown[] = [];
  let stopped = false;
  // An informer stops on an error; start it again (not after stop(), whose abort is one).
  podInformer.on('error', (e) => {
    if (stopped) return;
    errors.push(e);
    setTimeout(() => void (stopped || podInformer.start().catch(() => {})), 500);
  });
  jobInformer.on('error', (e) => {
    if (stopped) return;
    errors.push(e);
    setTimeout(() => void (stopped || jobInformer.start().catch(() => {})), 500);
  });
  await podInformer.start();
  await jobInformer.start();
  return {
    pods,
    jobs,
    errors,
    /** The moment the system acted to delete the pod: deletionTimestamp seen, or gone. */
    deletedAt: (t: PodTimes): number | undefined =>
      t.deletingAt !== undefined ? t.deletingAt : t.goneAt,
    async stop() {
      stopped = true;
      await podInformer.stop();
      await jobInformer.stop();
    },
  };
}

/**
 * Seconds kube-controller-manager's API clients have waited, in total, in their client-side
 * rate limiter (its metric rest_client_rate_limiter_duration_seconds), and over how many
 * requests; undefined when its metrics cannot be read. Reads tools/k8s-env's layout: the admin
 * certificate in $HODEI_K8S_STATE/pki, the port $HODEI_K8S_KCM_PORT.
 */
export async function controllerManagerThrottling(): Promise<
  { seconds: number; requests: number } | undefined
> {
  const state = process.env.HODEI_K8S_STATE ?? '/tmp/hodei-k8s-env';
  const port = Number(process.env.HODEI_K8S_KCM_PORT ?? 10257);
  try {
    const { request } = await import('node:https');
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/metrics',
          cert: readFileSync(`${state}/pki/admin.crt`),
          key: readFileSync(`${state}/pki/admin.key`),
          // kube-controller-manager serves a self-signed certificate on loopback.
          rejectUnauthorized: false,
          timeout: 5_000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () =>
            res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.end();
    });
    let seconds = 0;
    let requests = 0;
    for (const line of text.split('\n')) {
      const m =
        /^rest_client_rate_limiter_duration_seconds_(sum|count)\{[^}]*\} ([0-9.e+-]+)$/.exec(line);
      if (m?.[1] === 'sum') seconds += Number(m[2]);
      if (m?.[1] === 'count') requests += Number(m[2]);
    }
    return { seconds, requests };
  } catch {
    return undefined;
  }
}
