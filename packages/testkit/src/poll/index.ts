export { describeValue, type PollOptions, pollUntil } from './poll-until.js';
