import { configDefaults, defineConfig } from 'vitest/config';

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
