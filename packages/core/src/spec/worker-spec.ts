import type { PolicyInput } from '../policy/policy.js';

/** What the caller asks for. Provider-neutral: every provider accepts the same spec. */
export interface WorkerSpec {
  /** Image reference, e.g. `busybox:1.36` or `registry.example.com/team/job@sha256:...`. */
  image: string;
  /** Replaces the image's entrypoint. */
  command?: readonly string[];
  /** Arguments passed to the command (or to the image's entrypoint). */
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  resources?: WorkerResources;
  /** Your labels. Keys under `hodei.io/` are reserved for the ownership stamp and refused. */
  labels?: Readonly<Record<string, string>>;
  /** Your annotations (Docker keeps them as labels). `hodei.io/` keys are refused. */
  annotations?: Readonly<Record<string, string>>;
  /** Per-worker override of the manager's policy. */
  policy?: PolicyInput;
  /**
   * Provider-specific settings, keyed by provider type: `{ kubernetes: { nodeSelector } }`.
   * A provider reads only its own key and validates it.
   */
  extensions?: Readonly<Record<string, unknown>>;
}

export interface WorkerResources {
  /** CPU limit in cores: `0.5`, `2`, or a Kubernetes quantity such as `'500m'`. */
  cpu?: number | string;
  /** Memory limit in bytes, or a quantity such as `'256Mi'`, `'1Gi'`, `'512M'`. */
  memory?: number | string;
}

/** A spec after validation, with resources normalised to numbers. */
export interface ValidatedWorkerSpec {
  readonly image: string;
  readonly command: readonly string[] | undefined;
  readonly args: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly resources: {
    /** CPU limit in thousandths of a core. */
    readonly cpuMillis: number | undefined;
    readonly memoryBytes: number | undefined;
  };
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly policy: PolicyInput | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;
}
