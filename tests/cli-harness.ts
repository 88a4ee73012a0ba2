// Two ways for tests to run `dmafuzz`. In this process, through main() with a captured Io: for
// behaviour (messages, verdicts, exit statuses, files written), at no process start-up cost. As a
// real process of the built CLI: for what only a process shows (stdout and stderr as streams, the
// exit status Node sets, signals, the bin wrapper, a read that would hang or never end).

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { main } from '../src/cli/main.js';
import type { FuzzFilesIo } from '../src/cli/fuzz-files-command.js';

export interface CliRun { code: number | null; out: string; err: string }

const ROOT = resolve(import.meta.dirname, '..');

/**
 * `dmafuzz ...argv` run by main() in this process from directory `cwd` (the vitest pool is forks:
 * a worker thread cannot chdir). stdout and stderr are what the process would print: a line per
 * io.out / io.err call.
 */
export async function dmafuzzInProcess(cwd: string, argv: string[], io: Partial<FuzzFilesIo> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const here = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(argv, { out: (t) => out.push(`${t}\n`), err: (t) => err.push(`${t}\n`), ...io });
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.chdir(here);
  }
}

/** The test build of the CLI: emitted once per change of the sources, shared by the test files that spawn it. */
const OUT = join(ROOT, '.test-dist');
export const BIN = join(OUT, 'src/cli/main.js');
const STAMP = join(OUT, '.built');
const LOCK = join(OUT, '.lock'); // inside the ignored build directory

/** The newest modification time of what the build reads. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['src', 'scenarios', 'bench']) walk(join(ROOT, d));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(join(ROOT, f)).mtimeMs);
  return newest;
}

const fresh = () => {
  try {
    return statSync(STAMP).mtimeMs > newestSource();
  } catch {
    return false;
  }
};

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The files of tsconfig.build.json (src, scenarios, bench) into OUT, each transpiled on its own
 * (ts.transpileModule, as Vitest itself loads them; the same JavaScript as `tsc -p
 * tsconfig.build.json` emits, in less than half its time: no program is built). Type errors are
 * `npm run typecheck`'s to report.
 */
function transpileBuild(): void {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  if (!config) throw new Error('tsconfig.build.json: unreadable');
  // package.json says "type": "module": NodeNext emits ES modules here, which a file alone cannot tell.
  const compilerOptions = { ...config.options, module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler, declaration: false, sourceMap: true };
  for (const file of config.fileNames) {
    const js = join(OUT, relative(ROOT, file)).replace(/\.ts$/, '.js');
    const r = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: relative(dirname(js), file) });
    mkdirSync(dirname(js), { recursive: true });
    writeFileSync(js, r.outputText);
    if (r.sourceMapText) writeFileSync(`${js}.map`, r.sourceMapText);
  }
}

/**
 * The path of the built CLI, building it first when a source is newer than the last build. Test
 * files in parallel workers share one build: the first takes a lock directory and builds, the
 * others wait for it.
 */
export function builtBin(): string {
  const deadline = Date.now() + 10 * 60_000;
  while (!fresh()) {
    try {
      mkdirSync(OUT, { recursive: true });
      mkdirSync(LOCK);
    } catch {
      // Another worker builds; a lock whose builder died is taken over.
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch { /* written right after the lock is taken */ }
      if (Number.isInteger(owner) && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited 10 minutes for the test build (${LOCK})`);
      sleep(200);
      continue;
    }
    try {
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      const started = Date.now() - 1000; // file systems with a coarse clock
      transpileBuild();
      // Stamped with the build's start: a source saved while tsc ran is newer, and builds again.
      writeFileSync(STAMP, '');
      utimesSync(STAMP, new Date(started), new Date(started));
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
  return BIN;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `dmafuzz ...args` as a real process of the test build; a hang or a runaway read fails, not stalls, the test. */
export function dmafuzzProcess(cwd: string, args: string[], timeout = 50_000): CliRun {
  const r = spawnSync(process.execPath, [builtBin(), ...args], { cwd, encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
