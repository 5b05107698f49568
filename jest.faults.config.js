/**
 * The fault-injection suite (`npm run test:faults`): the whole stack on its own PostgreSQL and
 * Redis servers, which the tests stop, restart and kill. Long, so not part of `npm test`.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest reads CommonJS configs
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/e2e/faults/**/*.faults.ts'],
  maxWorkers: 1,
  testTimeout: 300_000,
  // Then one line per fault and `faults survived: X/N`.
  reporters: [...base.reporters, '<rootDir>/e2e/faults/summary-reporter.mjs'],
};
