#!/usr/bin/env node
// `npm test`: type check, then every test file under Node's test runner, with
// real Redis/PostgreSQL servers and Chromium when they are there.
//
//   npm test                              type check + all test/**/*.test.ts and src/**/*.test.ts
//   npm test -- test/cookie.test.ts       just these files (or folders); no type check
//   npm test -- --test-name-pattern=csrf  extra flags go to `node --test`
//
// Environment:
//   REDIS_URL / DATABASE_URL   use these servers instead of starting our own
//   CHROMIUM_PATH              Chromium to use (default: `which chromium`)
//   FLASK_PYTHON               Python with flask + flask_login (default: /usr/bin/python3, python3)
//   CI=true                    a missing server/browser or a type error fails the run
//   DOORMAN_SKIP_TYPECHECK=1   skip `tsc --noEmit` (not honoured under CI=true)
//   DOORMAN_TEST_WATCHDOG_MIN  kill the test run after this many minutes (default 40)
//
// When REDIS_URL / DATABASE_URL are unset and the servers are installed, this
// script starts them (scripts/services.mjs: free ports, temp data dirs) for the
// duration of the run and stops them afterwards, also on failure and Ctrl-C.
// Tests read them through test/helpers/services.ts.
//
// Node's own reporter output is passed through untouched (its closing
// `# pass N` / `# fail N` lines, or the spec reporter's on a terminal); the
// exit code is non-zero when the type check or any test failed.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPgBinDir, findRedisServer, startServices, which } from './services.mjs';
import { findFlaskPython, NO_FLASK } from './flask-python.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CI = process.env.CI === 'true' || process.env.CI === '1';
const log = (msg) => console.log(`[npm test] ${msg}`);

// ------------------------------------------------------------------ args

const userArgs = process.argv.slice(2);
const nodeFlags = userArgs.filter((a) => a.startsWith('-'));
const targets = userArgs.filter((a) => !a.startsWith('-'));

// ----------------------------------------------------------- test files

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage']);

function walk(dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(p, out);
    } else if (e.isFile() && /\.test\.[cm]?tsx?$/.test(e.name)) {
      out.push(p);
    }
  }
  return out;
}

function findTestFiles() {
  if (targets.length === 0) {
    return [...walk(path.join(ROOT, 'test'), []), ...walk(path.join(ROOT, 'src'), [])];
  }
  const files = [];
  for (const t of targets) {
    const p = path.resolve(t);
    if (!fs.existsSync(p)) {
      console.error(`[npm test] no such file or folder: ${t}`);
      process.exit(1);
    }
    if (fs.statSync(p).isDirectory()) walk(p, files);
    else files.push(p);
  }
  return files;
}

const files = [...new Set(findTestFiles())].sort().map((f) => path.relative(ROOT, f) || f);
if (files.length === 0) {
  console.error('[npm test] no test files found (test/**/*.test.ts, src/**/*.test.ts)');
  process.exit(1);
}

// ----------------------------------------------------------- child runs

let current = null; // the child process running now, for signal forwarding
let interrupted = null;

function runChild(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    current = child;
    child.on('error', (e) => {
      console.error(`[npm test] could not run ${cmd}: ${e.message}`);
      current = null;
      resolve(1);
    });
    child.on('close', (code, signal) => {
      current = null;
      resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
    });
  });
}

let stopServices = async () => {};
let stopping = null;
const cleanup = () => (stopping ??= stopServices().catch((e) => console.error(`[npm test] stopping servers: ${e.message}`)));

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = sig;
    console.error(`[npm test] ${sig}: stopping the tests and the servers`);
    if (current) current.kill(sig === 'SIGHUP' ? 'SIGTERM' : sig);
    // The main flow stops the servers once the child has exited; if there is no
    // child (e.g. while servers start), stop here.
    if (!current) cleanup().then(() => process.exit(130));
  });
}

// ------------------------------------------------------------ type check

let typecheckFailed = false;
const skipTypecheck = !CI && (process.env.DOORMAN_SKIP_TYPECHECK === '1' || targets.length > 0);
if (skipTypecheck) {
  log(`type check skipped (${targets.length ? 'running a subset' : 'DOORMAN_SKIP_TYPECHECK=1'}); npm run typecheck runs it`);
} else {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  log('type check: tsc -p tsconfig.json --noEmit');
  const code = fs.existsSync(tsc)
    ? await runChild(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], process.env)
    : await runChild('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], process.env);
  if (interrupted) process.exit(130);
  if (code !== 0) {
    typecheckFailed = true;
    log('TYPE CHECK FAILED (errors above); running the tests anyway, the run will fail');
  } else {
    log('type check passed');
  }
}

// -------------------------------------------------------------- services

const env = { ...process.env };
const missing = [];
const want = { redis: false, postgres: false };

if (env.REDIS_URL) log(`Redis: using REDIS_URL=${env.REDIS_URL}`);
else if (findRedisServer()) want.redis = true;
else missing.push('skipping Redis suites: redis-server is not installed (apt-get install redis-server, or set REDIS_URL)');

if (env.DATABASE_URL) log(`PostgreSQL: using DATABASE_URL=${env.DATABASE_URL}`);
else if (findPgBinDir()) want.postgres = true;
else missing.push('skipping PostgreSQL suites: PostgreSQL is not installed (apt-get install postgresql, or set DATABASE_URL)');

if (env.CHROMIUM_PATH && fs.existsSync(env.CHROMIUM_PATH)) {
  log(`Chromium: using CHROMIUM_PATH=${env.CHROMIUM_PATH}`);
} else {
  const chromium = ['chromium', 'chromium-browser'].map(which).find(Boolean);
  if (chromium) env.CHROMIUM_PATH = chromium;
  else {
    delete env.CHROMIUM_PATH;
    missing.push('skipping browser suites: chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)');
  }
}

// The live Flask suites run a real Flask app on a Python that has Flask and Flask-Login.
const flask = findFlaskPython();
if (flask) log(`Flask: ${flask.python} (Flask ${flask.versions.flask}, Flask-Login ${flask.versions.flaskLogin})`);
else missing.push(`skipping Flask suites: ${NO_FLASK}`);

for (const line of missing) log(line);
if (CI && missing.length) {
  console.error('[npm test] CI=true: every suite must run, and what is listed above is missing. Failing.');
  process.exit(1);
}

if (want.redis || want.postgres) {
  try {
    const svc = await startServices(want);
    stopServices = svc.stop;
    Object.assign(env, svc.env);
    if (svc.env.REDIS_URL) log(`Redis: started ${svc.env.REDIS_URL}`);
    if (svc.env.DATABASE_URL) log(`PostgreSQL: started ${svc.env.DATABASE_URL}`);
  } catch (e) {
    console.error(`[npm test] could not start the test servers: ${e.message}`);
    process.exit(1);
  }
  if (interrupted) {
    await cleanup();
    process.exit(130);
  }
}

// ----------------------------------------------------------------- tests

const watchdogMin = Number(process.env.DOORMAN_TEST_WATCHDOG_MIN || 40);
let watchdogFired = false;
const watchdog = setTimeout(() => {
  watchdogFired = true;
  console.error(`[npm test] the test run took over ${watchdogMin} minutes: killing it`);
  current?.kill('SIGKILL');
}, watchdogMin * 60_000);
watchdog.unref();

const nodeArgs = [
  '--import', 'tsx',
  '--test',
  '--test-concurrency=1',
  '--test-force-exit',
  ...nodeFlags,
  ...files,
];
log(`running ${files.length} test file(s): node ${nodeArgs.slice(0, 5 + nodeFlags.length).join(' ')} …`);
const testCode = await runChild(process.execPath, nodeArgs, env);
clearTimeout(watchdog);

await cleanup();

if (interrupted) process.exit(130);
if (watchdogFired) process.exit(1);
if (typecheckFailed) {
  log('FAILED: the type check failed (see the tsc errors above)');
  process.exit(testCode || 1);
}
process.exit(testCode);
