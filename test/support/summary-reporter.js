/**
 * Prints one plain closing line, `tests: N passed, N failed`, so that CI logs state the count
 * in a runner-neutral form (jest's own summary stays above it).
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed` +
        (skipped ? `, ${skipped} skipped` : '') +
        '\n',
    );
  }
}

module.exports = SummaryReporter;
