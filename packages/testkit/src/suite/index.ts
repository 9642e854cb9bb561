export { type Report, resolveReport, skipWithRunner } from './skips.js';
export { isSelected, resolveSelection } from './test-selection.js';
export { pause, settlesWithin, withTimeLimit } from './time-limit.js';
