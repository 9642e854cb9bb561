/**
 * Label and annotation syntax. Kubernetes' rules are the strictest of the platforms we run on
 * (Docker accepts any string), so a value that passes here is valid everywhere: a spec that is
 * valid on one provider is valid on all of them.
 */
import { createHash } from 'node:crypto';

const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const labelNamePattern = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const MAX_LABEL_VALUE_LENGTH = 63;
/** Kubernetes' limit on the total size of all annotations of one object. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** Why a label/annotation key is invalid, or undefined when it is valid (Kubernetes qualified name). */
export function labelKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    if (prefix.length === 0 || prefix.length > 253 || !dnsSubdomainPattern.test(prefix)) {
      return `prefix '${prefix}' must be a lowercase DNS subdomain of at most 253 characters`;
    }
  }
  if (name.length === 0 || name.length > 63 || !labelNamePattern.test(name)) {
    return 'name part must be 1-63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit';
  }
  return undefined;
}

/** Why a label value is invalid, or undefined when it is valid (Kubernetes rules, also fine for Docker). */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > MAX_LABEL_VALUE_LENGTH) {
    return `must be at most ${MAX_LABEL_VALUE_LENGTH} characters (got ${value.length})`;
  }
  if (!labelValuePattern.test(value)) {
    return 'must be empty or consist of [A-Za-z0-9-_.], starting and ending with a letter or digit';
  }
  return undefined;
}

/** Why a name is not a DNS-1123 label (lowercase, digits, '-', at most `max` characters). */
export function dnsLabelProblem(value: string, max = 63): string | undefined {
  if (value.length === 0 || value.length > max) return `must be 1-${max} characters`;
  if (!dnsLabelPattern.test(value)) {
    return "must consist of lowercase letters, digits and '-', starting and ending with a letter or digit";
  }
  return undefined;
}

/**
 * Escapes any string into a valid label value, deterministically: characters outside
 * [A-Za-z0-9-_.] become '-', the ends are trimmed to letters or digits, and a value that is too
 * long keeps its start plus a short hash of the whole, so distinct inputs stay distinct.
 */
export function escapeLabelValue(raw: string): string {
  if (labelValueProblem(raw) === undefined) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
  const head = raw
    .replace(/[^A-Za-z0-9\-_.]/g, '-')
    .slice(0, MAX_LABEL_VALUE_LENGTH - hash.length - 1)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return head.length > 0 ? `${head}-${hash}` : hash;
}
