/**
 * Where the real servers and the browser for the tests are, and how to skip a
 * suite when one is missing.
 *
 * `npm test` (scripts/test.mjs) starts Redis and PostgreSQL on free ports of
 * 127.0.0.1 when they are installed and passes them in the environment:
 *
 * | variable            | meaning                                                      |
 * | ------------------- | ------------------------------------------------------------ |
 * | `REDIS_URL`         | `redis://127.0.0.1:PORT`                                     |
 * | `DATABASE_URL`      | `postgres://postgres@127.0.0.1:PORT/doorman_test`            |
 * | `CHROMIUM_PATH`     | Chromium executable for playwright-core                      |
 * | `DOORMAN_REDIS_CTL` | descriptor file: lets {@link stopRedis}/{@link startRedis} work |
 * | `DOORMAN_PG_CTL`    | descriptor file: lets {@link stopPostgres}/{@link startPostgres} work |
 *
 * Usage:
 * ```ts
 * import { describe, it } from 'node:test';
 * import { redisUrl, serviceSkip, testNamespace } from './helpers/services.ts';
 *
 * describe('redis store', { skip: serviceSkip('redis') }, () => {
 *   const prefix = testNamespace(import.meta.url) + ':'; // keys of this file only
 *   it('...', async () => { const url = redisUrl()!; ... });
 * });
 * ```
 *
 * Test files run one at a time (`--test-concurrency=1`) but share the servers:
 * every file keeps to its own Redis key prefix and its own PostgreSQL schema
 * ({@link testNamespace}), and a file that stops a server starts it again
 * (in an `after` hook, so a failing test does not leave it down).
 *
 * Under `CI=true` a missing server is a failure, never a skip: the helpers
 * throw instead of returning a skip reason.
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A kind of external dependency a suite may need. */
export type ServiceKind = 'redis' | 'postgres' | 'chromium';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVICES_SCRIPT = path.join(REPO_ROOT, 'scripts', 'services.mjs');

const LABEL: Record<ServiceKind, { name: string; variable: string; install: string }> = {
  redis: { name: 'Redis', variable: 'REDIS_URL', install: 'apt-get install redis-server' },
  postgres: { name: 'PostgreSQL', variable: 'DATABASE_URL', install: 'apt-get install postgresql' },
  chromium: { name: 'Chromium', variable: 'CHROMIUM_PATH', install: 'apt-get install chromium' },
};

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function isCI(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/** URL of the test Redis server (`REDIS_URL`), or undefined when there is none. */
export function redisUrl(): string | undefined {
  return env('REDIS_URL');
}

/** URL of the test PostgreSQL database (`DATABASE_URL`), or undefined when there is none. */
export function databaseUrl(): string | undefined {
  return env('DATABASE_URL');
}

/**
 * Path of the Chromium executable (`CHROMIUM_PATH`, set by `npm test` from
 * `which chromium`), or undefined when it is not set or not executable.
 */
export function chromiumPath(): string | undefined {
  const p = env('CHROMIUM_PATH');
  if (!p) return undefined;
  try {
    accessSync(p, constants.X_OK);
    return p;
  } catch {
    return undefined;
  }
}

/**
 * Launch options for playwright-core's `chromium.launch()`: Debian's Chromium,
 * headless, no sandbox (we run as root), and none of the background network
 * traffic that this machine's closed network would refuse.
 * Throws when Chromium is missing: guard the suite with `serviceSkip('chromium')`.
 */
export function chromiumLaunchOptions(): { executablePath: string; headless: true; args: string[] } {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(missingReason('chromium'));
  return {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--headless',
    ],
  };
}

function present(kind: ServiceKind): boolean {
  if (kind === 'redis') return redisUrl() !== undefined;
  if (kind === 'postgres') return databaseUrl() !== undefined;
  return chromiumPath() !== undefined;
}

function missingReason(kind: ServiceKind): string {
  const l = LABEL[kind];
  return `${l.name} is not available: ${l.variable} is not set (${l.install}, then npm test starts it; or set ${l.variable})`;
}

/**
 * Skip option for `describe(name, { skip: serviceSkip('redis') }, ...)`.
 * @returns `false` when the service is there; a one-line reason when it is not.
 * @throws under `CI=true` when the service is missing: CI must run every suite.
 */
export function serviceSkip(kind: ServiceKind): string | false {
  if (present(kind)) return false;
  const reason = missingReason(kind);
  if (isCI()) throw new Error(`CI=true and ${reason}. CI must run every suite.`);
  return reason;
}

/**
 * Skip option for suites that stop and restart a server (outage tests): those
 * need the server to be one that `npm test` started (descriptor in
 * `DOORMAN_REDIS_CTL` / `DOORMAN_PG_CTL`), not an external `REDIS_URL`.
 * @returns `false` when stop/start is possible, else a one-line reason.
 * @throws under `CI=true` when it is not possible.
 */
export function outageSkip(kind: 'redis' | 'postgres'): string | false {
  const base = serviceSkip(kind);
  if (base) return base;
  if (ctlFile(kind)) return false;
  const reason = `${LABEL[kind].name} was not started by npm test (no ${ctlVar(kind)}), so it cannot be stopped and restarted`;
  if (isCI()) throw new Error(`CI=true and ${reason}. CI must run every suite.`);
  return reason;
}

function ctlVar(kind: 'redis' | 'postgres'): string {
  return kind === 'redis' ? 'DOORMAN_REDIS_CTL' : 'DOORMAN_PG_CTL';
}

function ctlFile(kind: 'redis' | 'postgres'): string | undefined {
  return env(ctlVar(kind));
}

function control(kind: 'redis' | 'postgres', action: 'start' | 'stop' | 'status'): Promise<string> {
  const file = ctlFile(kind);
  if (!file) {
    return Promise.reject(new Error(`${ctlVar(kind)} is not set: ${LABEL[kind].name} was not started by npm test`));
  }
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [SERVICES_SCRIPT, 'ctl', file, action], (err, stdout, stderr) => {
      if (err && !(action === 'status' && err.code === 3)) {
        reject(new Error(`services.mjs ctl ${kind} ${action} failed: ${stderr || err.message}`));
      } else resolve(stdout.trim());
    });
  });
}

/**
 * Stop the test Redis server (same port, data kept for {@link startRedis}).
 * Resolves once it no longer accepts connections. No-op when already stopped.
 */
export async function stopRedis(): Promise<void> {
  await control('redis', 'stop');
}

/**
 * Start the test Redis server again on the same port with the data it had.
 * Resolves once it answers PING. No-op when it is running.
 */
export async function startRedis(): Promise<void> {
  await control('redis', 'start');
}

/**
 * Stop the test PostgreSQL server (`pg_ctl stop -m fast`: open connections are
 * cut). Data is kept for {@link startPostgres}. No-op when already stopped.
 */
export async function stopPostgres(): Promise<void> {
  await control('postgres', 'stop');
}

/**
 * Start the test PostgreSQL server again on the same port with the same data.
 * Resolves once it accepts connections. No-op when it is running.
 */
export async function startPostgres(): Promise<void> {
  await control('postgres', 'start');
}

/** Whether the server that npm test started for `kind` is running now. */
export async function serviceRunning(kind: 'redis' | 'postgres'): Promise<boolean> {
  return (await control(kind, 'status')) === 'running';
}

/**
 * A name unique to one test file, usable as a Redis key prefix and as a
 * PostgreSQL schema name: `t_<file name>_<6 hex digits of its repo path>`,
 * lowercase letters, digits and `_`, at most 63 characters, the same on every
 * machine. Pass `import.meta.url`.
 * @example testNamespace(import.meta.url) // 't_redis_store_test_1a2b3c'
 */
export function testNamespace(fileUrl: string): string {
  const file = fileUrl.startsWith('file:') ? fileURLToPath(fileUrl) : path.resolve(fileUrl);
  const rel = path.relative(REPO_ROOT, file).split(path.sep).join('/');
  const hash = createHash('sha256').update(rel).digest('hex').slice(0, 6);
  const base = path
    .basename(file)
    .replace(/\.[cm]?[tj]sx?$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 50);
  return `t_${base}_${hash}`;
}
