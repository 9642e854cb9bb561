export {
  assertOwnershipIds,
  isOwnershipKey,
  mergeWithOwnership,
  OWNERSHIP_PREFIX,
  type Ownership,
  OwnershipKeys,
  type OwnershipStamp,
  readOwnership,
  stampOwnership,
} from './ownership.js';
export {
  dnsLabelProblem,
  escapeLabelValue,
  labelKeyProblem,
  labelValueProblem,
  MAX_ANNOTATIONS_BYTES,
  MAX_LABEL_VALUE_LENGTH,
} from './platform-rules.js';
