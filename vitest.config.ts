import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that take longest (CPU seconds on this machine), started first so that the workers
// finish together. Vitest orders by the times cached from the last run, and by file size when
// none are: on a clean checkout (CI) the 25-line property of every bug class would start last.
const LONGEST = [
  'tests/cli-fuzz-files.test.ts', 'properties/bug-classes-fuzzed.test.ts', 'tests/fix-suggestions.test.ts',
  'properties/reduction.test.ts', 'properties/contract-reduction.test.ts', 'tests/report-formats.test.ts', 'properties/well-behaved.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST.findIndex((name) => f.moduleId.endsWith(`/${name}`));
      return i < 0 ? LONGEST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b)); // stable: the rest as vitest orders them
  }
}

// Test files that replace modules with vi.mock: they get a process of their own, since a mock
// would leak into (or miss) modules the other files share.
const MOCKING = ['tests/cli-internal-error.test.ts'];

const TESTS = ['src/**/*.test.ts', 'properties/**/*.test.ts', 'scenarios/**/*.test.ts', 'tests/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Forks, not threads: tests chdir (the CLI in-process, fix diffs), which a worker thread cannot.
    pool: 'forks',
    // Every core runs a test file (vitest's default leaves one for itself: 1 worker on 2 cores);
    // the main process only collects results.
    maxWorkers: '100%',
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        extends: true,
        // The files share their workers' loaded modules: a file costs its tests, not a fresh
        // import of the whole model (the modules keep no state a test can see: caches only).
        test: { name: 'shared', include: TESTS, isolate: false, exclude: [...configDefaults.exclude, ...MOCKING] },
      },
      { extends: true, test: { name: 'isolated', include: MOCKING } },
    ],
  },
});
