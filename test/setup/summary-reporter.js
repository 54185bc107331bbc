/**
 * Prints one closing line in the plain "N passed, N failed" form after
 * Jest's own summary, so any tool can read the outcome of a run.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests } = results;
    process.stdout.write(
      `\n${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped\n`,
    );
  }
}

module.exports = SummaryReporter;
