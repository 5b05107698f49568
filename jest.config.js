/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/test/**/*.test.ts', '<rootDir>/e2e/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // These ship only ES modules; jest runs CommonJS, so swc compiles them like our own code.
  transformIgnorePatterns: [
    '/node_modules/(?!(jose|openid-client|oauth4webapi|otplib|@otplib|@scure|@noble)/)',
  ],
  transform: {
    '^.+\\.(ts|js)$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  // Integration tests share one Postgres and one Redis on a 2-core machine.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 60_000,
};
