/**
 * The fault-injection suite (`npm run test:faults`): the whole stack on its own PostgreSQL and
 * Redis servers, which the tests stop, restart and kill. Long, so not part of `npm test`.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/e2e/faults/**/*.faults.ts'],
  maxWorkers: 1,
  testTimeout: 300_000,
};
