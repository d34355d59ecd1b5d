#!/usr/bin/env node
// Real Redis and PostgreSQL servers on 127.0.0.1 for the test suites.
//
// Library use (scripts/test.mjs does this):
//   const svc = await startServices({ redis: true, postgres: true });
//   // svc.env = { REDIS_URL, DOORMAN_REDIS_CTL, DATABASE_URL, DOORMAN_PG_CTL }
//   ...
//   await svc.stop();
//
// CLI use (for a developer who wants servers up while iterating):
//   node scripts/services.mjs start --redis --postgres --state .services.env
//   node --env-file=.services.env --import tsx --test test/redis-store.test.ts
//   node scripts/services.mjs stop --state .services.env
// (The flag is not called --env-file: Node 20 takes `--env-file` for itself
// even when it comes after the script name.) The state file is plain
// KEY=value lines: usable with `node --env-file` or `set -a; . FILE`.
//
// How stop/restart works (outage tests):
//   Every server is started detached (redis-server --daemonize yes; pg_ctl
//   start), so it does not belong to the process that started it. Each server
//   gets a small JSON "descriptor" file in its temp dir (kind, port, bin dir,
//   data dir, ...). The env var DOORMAN_REDIS_CTL / DOORMAN_PG_CTL holds the
//   PATH of that file (a plain path, so env files need no quoting). Anyone
//   holding it can run
//       node scripts/services.mjs ctl <descriptor-file> stop|start|status
//   which stops or restarts that one server in place: same port, same data
//   (Redis is stopped with SHUTDOWN SAVE and reloads its dump on start;
//   PostgreSQL keeps its data folder). test/helpers/services.ts wraps this as
//   stopRedis()/startRedis()/stopPostgres()/startPostgres(). Both actions are
//   idempotent: starting a running server or stopping a stopped one is a no-op.
//
// Temp dirs are made under $DOORMAN_SERVICES_TMPDIR (default: the OS temp dir).
//   node scripts/services.mjs cleanup <dir>
// stops every server whose descriptor lies under <dir> and removes it: .ci/run
// uses that as a safety net in its EXIT trap, on a folder only it uses.
//
// PostgreSQL refuses to run as root: when we are root, initdb/pg_ctl run as the
// `postgres` user (created when missing), with data and socket folders it owns.
// Ports are never the defaults (6379/5432): each start picks free ports.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';
const PG_DB = 'doorman_test';
const PG_USER = 'postgres';

// ---------------------------------------------------------------- discovery

/** Absolute path of an executable on PATH, or undefined. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Path of redis-server, or undefined when it is not installed. */
export function findRedisServer() {
  if (process.env.REDIS_SERVER_BIN) return isExec(process.env.REDIS_SERVER_BIN) ? process.env.REDIS_SERVER_BIN : undefined;
  return which('redis-server');
}

/**
 * Folder holding initdb, pg_ctl and postgres, or undefined when PostgreSQL is
 * not installed. Order: $PG_BIN_DIR; Debian's /usr/lib/postgresql/<newest>/bin;
 * initdb on PATH (symlinks resolved, since pg_ctl must sit next to postgres).
 */
export function findPgBinDir() {
  const ok = (dir) => dir && ['initdb', 'pg_ctl', 'postgres'].every((b) => isExec(path.join(dir, b)));
  if (process.env.PG_BIN_DIR) return ok(process.env.PG_BIN_DIR) ? process.env.PG_BIN_DIR : undefined;
  const base = '/usr/lib/postgresql';
  try {
    const versions = fs
      .readdirSync(base)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = path.join(base, v, 'bin');
      if (ok(dir)) return dir;
    }
  } catch {
    /* no Debian layout */
  }
  const initdb = which('initdb');
  if (initdb) {
    const dir = path.dirname(fs.realpathSync(initdb));
    if (ok(dir)) return dir;
  }
  return undefined;
}

function isExec(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- utilities

/** Reserve `n` distinct free TCP ports on 127.0.0.1 (bind port 0, read, close). */
export async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      await new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, HOST, resolve);
      });
      servers.push(srv);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Run a command to completion; reject with its output when it fails. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${signal ?? code}):\n${out}`));
    });
  });
}

/** Send one command to Redis over RESP; resolve with the raw reply, or reject. */
function redisCommand(port, words, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: HOST, port });
    let buf = '';
    const done = (err, val) => {
      clearTimeout(timer);
      sock.destroy();
      err ? reject(err) : resolve(val);
    };
    const timer = setTimeout(() => done(new Error('redis: no reply')), timeoutMs);
    sock.on('connect', () => {
      sock.write(`*${words.length}\r\n` + words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join(''));
    });
    sock.on('data', (d) => {
      buf += d;
      if (buf.includes('\r\n')) done(null, buf);
    });
    // SHUTDOWN closes the connection without a reply: report it as such.
    sock.on('end', () => done(null, buf));
    sock.on('error', (e) => done(e));
  });
}

function pidAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return false;
  }
  // A zombie (exited, not yet reaped by init) is not running.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

function readPid(file) {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').split('\n')[0], 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function makeTempRoot() {
  const base = process.env.DOORMAN_SERVICES_TMPDIR || os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, 'doorman-services-'));
  // The postgres user must be able to reach its folders inside.
  fs.chmodSync(dir, 0o755);
  return dir;
}

function writeDescriptor(desc) {
  fs.writeFileSync(desc.file, JSON.stringify(desc, null, 2) + '\n');
}

function readDescriptor(file) {
  const desc = JSON.parse(fs.readFileSync(file, 'utf8'));
  desc.file = file;
  return desc;
}

// -------------------------------------------------------------------- redis

async function redisStart(desc) {
  if (await redisRunning(desc)) return;
  const args = [
    '--port', String(desc.port),
    '--bind', HOST,
    '--save', '',
    '--appendonly', 'no',
    '--dir', desc.dir,
    '--dbfilename', 'dump.rdb',
    '--daemonize', 'yes',
    '--pidfile', path.join(desc.dir, 'redis.pid'),
    '--logfile', path.join(desc.dir, 'redis.log'),
    '--protected-mode', 'no',
  ];
  await run(desc.bin, args);
  try {
    await waitFor(`redis on port ${desc.port}`, () => redisRunning(desc), 30_000);
  } catch (e) {
    throw new Error(`${e.message}\n--- redis.log ---\n${tail(path.join(desc.dir, 'redis.log'))}`);
  }
}

async function redisRunning(desc) {
  try {
    return (await redisCommand(desc.port, ['PING'], 1000)).startsWith('+PONG');
  } catch {
    return false;
  }
}

/** save=true keeps the data for a restart (outage tests); false for teardown. */
async function redisStop(desc, { save }) {
  const pidFile = path.join(desc.dir, 'redis.pid');
  const pid = readPid(pidFile);
  if (!(await redisRunning(desc)) && !pidAlive(pid)) return;
  try {
    await redisCommand(desc.port, ['SHUTDOWN', save ? 'SAVE' : 'NOSAVE'], 5000);
  } catch {
    /* connection refused/reset: fall through to the pid */
  }
  try {
    await waitFor('redis to exit', async () => !pidAlive(pid) && !(await redisRunning(desc)), 15_000);
  } catch {
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await waitFor('redis to exit after SIGKILL', async () => !pidAlive(pid), 5_000);
  }
}

// ----------------------------------------------------------------- postgres

function lookupUser(name) {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
    }
  } catch {
    /* no passwd */
  }
  return undefined;
}

/** uid/gid to run PostgreSQL as: `postgres` when we are root, else ourselves. */
function pgIdentity() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  let u = lookupUser(PG_USER);
  if (!u) {
    spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/bin/sh', PG_USER], {
      stdio: 'inherit',
    });
    u = lookupUser(PG_USER);
    if (!u) throw new Error(`running as root and could not create the "${PG_USER}" user PostgreSQL needs`);
  }
  return { uid: u.uid, gid: u.gid };
}

function pgRun(desc, bin, args) {
  const id = desc.uid === undefined ? {} : { uid: desc.uid, gid: desc.gid };
  return run(path.join(desc.binDir, bin), args, {
    ...id,
    cwd: desc.dir,
    env: { ...process.env, LC_ALL: 'C', LANG: 'C', HOME: desc.dir, PGUSER: undefined, PGDATABASE: undefined },
  });
}

function pgCtlArgs(desc, action) {
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const opts = [
    `-p ${desc.port}`,
    `-k ${q(desc.sockDir)}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  if (action === 'start') {
    return ['-D', desc.dataDir, '-l', path.join(desc.dir, 'postgres.log'), '-o', opts, '-w', '-t', '60', 'start'];
  }
  return ['-D', desc.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'];
}

async function pgInit(desc) {
  for (const d of [desc.dir, desc.sockDir]) {
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    if (desc.uid !== undefined) fs.chownSync(d, desc.uid, desc.gid);
  }
  await pgRun(desc, 'initdb', ['-D', desc.dataDir, '-A', 'trust', '-U', PG_USER, '-E', 'UTF8', '--locale=C', '--no-sync']);
}

async function pgRunning(desc) {
  const pid = readPid(path.join(desc.dataDir, 'postmaster.pid'));
  return pidAlive(pid);
}

async function pgStart(desc) {
  if (await pgRunning(desc)) return;
  try {
    await pgRun(desc, 'pg_ctl', pgCtlArgs(desc, 'start'));
  } catch (e) {
    throw new Error(`${e.message}\n--- postgres.log ---\n${tail(path.join(desc.dir, 'postgres.log'))}`);
  }
}

async function pgStop(desc) {
  if (!(await pgRunning(desc))) return;
  await pgRun(desc, 'pg_ctl', pgCtlArgs(desc, 'stop'));
}

async function pgCreateDb(desc) {
  const createdb = path.join(desc.binDir, 'createdb');
  const args = ['-h', HOST, '-p', String(desc.port), '-U', PG_USER, PG_DB];
  if (isExec(createdb)) {
    await pgRun(desc, 'createdb', args);
  } else {
    await pgRun(desc, 'psql', ['-h', HOST, '-p', String(desc.port), '-U', PG_USER, '-d', 'postgres', '-c', `CREATE DATABASE ${PG_DB}`]);
  }
}

// -------------------------------------------------------------- public API

/**
 * Start (in place) a server from its descriptor file.
 * @param {string} file path from DOORMAN_REDIS_CTL or DOORMAN_PG_CTL
 * @param {'start'|'stop'|'status'} action
 * @returns {Promise<boolean|void>} for 'status': whether it is running
 */
export async function control(file, action) {
  const desc = readDescriptor(file);
  if (desc.kind === 'redis') {
    if (action === 'start') return redisStart(desc);
    if (action === 'stop') return redisStop(desc, { save: true });
    if (action === 'status') return redisRunning(desc);
  } else if (desc.kind === 'postgres') {
    if (action === 'start') return pgStart(desc);
    if (action === 'stop') return pgStop(desc);
    if (action === 'status') return pgRunning(desc);
  }
  throw new Error(`unknown service kind/action: ${desc.kind} ${action}`);
}

/**
 * Start real servers on free ports of 127.0.0.1, data in a fresh temp dir.
 * @param {{ redis?: boolean, postgres?: boolean }} which
 * @returns {Promise<{ env: Record<string, string>, dir: string, stop: () => Promise<void> }>}
 *   env: REDIS_URL + DOORMAN_REDIS_CTL and/or DATABASE_URL + DOORMAN_PG_CTL.
 *   stop(): stops exactly these servers (whatever state tests left them in)
 *   and removes the temp dir. Safe to call twice.
 */
export async function startServices({ redis = false, postgres = false } = {}) {
  const dir = makeTempRoot();
  const env = {};
  const started = [];
  const stop = async () => {
    const errors = [];
    for (const desc of started.reverse()) {
      try {
        await stopForGood(desc);
      } catch (e) {
        errors.push(e);
      }
    }
    started.length = 0;
    fs.rmSync(dir, { recursive: true, force: true });
    if (errors.length) throw new AggregateError(errors, 'could not stop every test server');
  };
  try {
    const [redisPort, pgPort] = await freePorts(2);
    if (redis) {
      const bin = findRedisServer();
      if (!bin) throw new Error('redis-server is not installed');
      const rdir = path.join(dir, 'redis');
      fs.mkdirSync(rdir);
      const desc = { kind: 'redis', port: redisPort, bin, dir: rdir, file: path.join(dir, 'redis.json') };
      writeDescriptor(desc);
      started.push(desc);
      await redisStart(desc);
      env.REDIS_URL = `redis://${HOST}:${redisPort}`;
      env.DOORMAN_REDIS_CTL = desc.file;
    }
    if (postgres) {
      const binDir = findPgBinDir();
      if (!binDir) throw new Error('PostgreSQL (initdb) is not installed');
      const pdir = path.join(dir, 'postgres');
      const desc = {
        kind: 'postgres',
        port: pgPort,
        binDir,
        dir: pdir,
        dataDir: path.join(pdir, 'data'),
        sockDir: path.join(pdir, 'sock'),
        ...(pgIdentity() ?? {}),
        file: path.join(dir, 'postgres.json'),
      };
      await pgInit(desc);
      writeDescriptor(desc);
      started.push(desc);
      await pgStart(desc);
      await pgCreateDb(desc);
      env.DATABASE_URL = `postgres://${PG_USER}@${HOST}:${pgPort}/${PG_DB}`;
      env.DOORMAN_PG_CTL = desc.file;
    }
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  return { env, dir, stop };
}

async function stopForGood(desc) {
  if (desc.kind === 'redis') await redisStop(desc, { save: false });
  else if (desc.kind === 'postgres') await pgStop(desc);
}

/**
 * Stop every server whose descriptor lies (one or two levels) under `root` and
 * remove those temp dirs. Used by .ci/run's EXIT trap as a safety net.
 */
export async function cleanup(root) {
  let entries = [];
  try {
    entries = fs.readdirSync(root).filter((d) => d.startsWith('doorman-services-'));
  } catch {
    return;
  }
  for (const d of entries) {
    const dir = path.join(root, d);
    for (const f of ['postgres.json', 'redis.json']) {
      const file = path.join(dir, f);
      if (!fs.existsSync(file)) continue;
      try {
        const desc = readDescriptor(file);
        await stopForGood(desc);
        console.error(`services: stopped leftover ${desc.kind} on port ${desc.port}`);
      } catch (e) {
        console.error(`services: could not stop ${file}: ${e.message}`);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------- CLI

function parseEnvFile(file) {
  const env = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

async function cli(argv) {
  const [cmd, ...rest] = argv;
  const flag = (name) => rest.includes(name);
  const opt = (...names) => {
    for (const n of names) {
      const i = rest.indexOf(n);
      if (i >= 0 && rest[i + 1]) return rest[i + 1];
    }
    return undefined;
  };
  const usage = `usage:
  node scripts/services.mjs start [--redis] [--postgres] --state FILE
  node scripts/services.mjs stop --state FILE
  node scripts/services.mjs ctl DESCRIPTOR start|stop|status
  node scripts/services.mjs cleanup DIR`;

  if (cmd === 'start') {
    const file = opt('--state', '--out');
    if (!file) throw new Error(usage);
    let redis = flag('--redis');
    let postgres = flag('--postgres');
    if (!redis && !postgres) redis = postgres = true;
    const svc = await startServices({ redis, postgres });
    // Servers are daemons: nothing needs to keep running here.
    const lines = Object.entries({ ...svc.env, DOORMAN_SERVICES_DIR: svc.dir }).map(([k, v]) => `${k}=${v}`);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    console.log(lines.join('\n'));
    return 0;
  }
  if (cmd === 'stop') {
    const file = opt('--state', '--out');
    if (!file) throw new Error(usage);
    const env = parseEnvFile(file);
    for (const key of ['DOORMAN_PG_CTL', 'DOORMAN_REDIS_CTL']) {
      if (env[key] && fs.existsSync(env[key])) await stopForGood(readDescriptor(env[key]));
    }
    if (env.DOORMAN_SERVICES_DIR && path.basename(env.DOORMAN_SERVICES_DIR).startsWith('doorman-services-')) {
      fs.rmSync(env.DOORMAN_SERVICES_DIR, { recursive: true, force: true });
    }
    fs.rmSync(file, { force: true });
    return 0;
  }
  if (cmd === 'ctl') {
    const [file, action] = rest;
    if (!file || !['start', 'stop', 'status'].includes(action)) throw new Error(usage);
    const res = await control(file, action);
    if (action === 'status') {
      console.log(res ? 'running' : 'stopped');
      return res ? 0 : 3;
    }
    return 0;
  }
  if (cmd === 'cleanup') {
    if (!rest[0]) throw new Error(usage);
    await cleanup(rest[0]);
    return 0;
  }
  throw new Error(usage);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
