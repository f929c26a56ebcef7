import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one line CI reads on its own: "N passed, N failed". A file that
 * fails to load, or an error outside any test, counts as a failure: it hid tests.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    for (const testModule of testModules) {
      let moduleFailed = 0;
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') moduleFailed += 1;
      }
      if (moduleFailed === 0 && testModule.state() === 'failed') moduleFailed = 1;
      failed += moduleFailed;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  }
}
