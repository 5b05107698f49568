/**
 * The fault-injection suite's closing lines: one per fault, from the result each fault's test
 * leaves in RESULTS_DIR (reportFault in support.ts), and how many faults the stack survived.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The same directory as RESULTS_DIR in e2e/faults/support.ts. */
const RESULTS_DIR = path.join(os.tmpdir(), 'tradesage-faults-results');

export default class FaultsSummaryReporter {
  onRunStart() {
    fs.rmSync(RESULTS_DIR, { recursive: true, force: true });
  }

  onRunComplete(_contexts, results) {
    const lines = [];
    let survived = 0;
    for (const file of results.testResults) {
      const name = path.basename(file.testFilePath).replace(/\.faults\.ts$/, '');
      const passed = !file.testExecError && file.numFailingTests === 0 && file.numPassingTests > 0;
      const resultFile = path.join(RESULTS_DIR, `${name}.json`);
      if (passed && fs.existsSync(resultFile)) {
        const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
        survived++;
        lines.push(
          `fault ${result.name}: survived, recovered in ${result.recoveredMs} ms, ` +
            `${result.acknowledged} acknowledged writes, ${result.lost} lost`,
        );
      } else {
        lines.push(`fault ${name}: FAILED`);
      }
    }
    lines.push(`faults survived: ${survived}/${results.testResults.length}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
