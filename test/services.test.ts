// Proves the test infrastructure works: the real servers that `npm test`
// starts answer, can be stopped and restarted in place with their data, and
// Chromium launches through playwright-core. Also checks the skip rules.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { createClient } from 'redis';
import {
  chromiumLaunchOptions,
  chromiumPath,
  databaseUrl,
  outageSkip,
  redisUrl,
  serviceRunning,
  serviceSkip,
  startPostgres,
  startRedis,
  stopPostgres,
  stopRedis,
  testNamespace,
} from './helpers/services.ts';

const ns = testNamespace(import.meta.url);

/** Run `fn` with some environment variables replaced, then put them back. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('serviceSkip', () => {
  it('returns a one-line reason when a service is missing outside CI', () => {
    const reason = withEnv({ CI: undefined, REDIS_URL: undefined }, () => serviceSkip('redis'));
    assert.equal(typeof reason, 'string');
    assert.match(reason as string, /Redis/);
    assert.doesNotMatch(reason as string, /\n/);
  });

  it('throws under CI=true when a service is missing: a failure, never a skip', () => {
    withEnv({ CI: 'true', DATABASE_URL: undefined }, () => {
      assert.throws(() => serviceSkip('postgres'), /CI=true/);
    });
    withEnv({ CI: 'true', CHROMIUM_PATH: '/nonexistent/chromium' }, () => {
      assert.throws(() => serviceSkip('chromium'), /CI=true/);
    });
  });

  it('returns false when the service is configured', () => {
    withEnv({ CI: 'true', REDIS_URL: 'redis://127.0.0.1:1' }, () => {
      assert.equal(serviceSkip('redis'), false);
    });
  });

  it('gives each test file its own namespace', () => {
    assert.match(ns, /^t_services_test_[0-9a-f]{6}$/);
    assert.notEqual(testNamespace('file:///x/a.test.ts'), testNamespace('file:///y/a.test.ts'));
  });
});

describe('real Redis', { skip: serviceSkip('redis') }, () => {
  const key = `${ns}:greeting`;
  const connect = async () => {
    const client = createClient({ url: redisUrl(), socket: { reconnectStrategy: false } });
    client.on('error', () => {}); // errors surface through the awaited calls
    await client.connect();
    return client;
  };

  after(async () => {
    if (!outageSkip('redis')) await startRedis();
    const client = await connect();
    await client.del(key);
    await client.quit();
  });

  it('answers PING and stores a value', async () => {
    const client = await connect();
    try {
      assert.equal(await client.ping(), 'PONG');
      await client.set(key, 'hello');
      assert.equal(await client.get(key), 'hello');
    } finally {
      await client.quit();
    }
  });

  it('can be stopped and restarted in place, keeping its data', { skip: outageSkip('redis') }, async () => {
    await stopRedis();
    assert.equal(await serviceRunning('redis'), false);
    await assert.rejects(connect());
    await stopRedis(); // idempotent

    await startRedis();
    await startRedis(); // idempotent
    assert.equal(await serviceRunning('redis'), true);
    const client = await connect();
    try {
      assert.equal(await client.get(key), 'hello');
    } finally {
      await client.quit();
    }
  });
});

describe('real PostgreSQL', { skip: serviceSkip('postgres') }, () => {
  const connect = async () => {
    const client = new pg.Client({ connectionString: databaseUrl() });
    client.on('error', () => {}); // a server shutdown kills idle connections
    await client.connect();
    return client;
  };

  before(async () => {
    const client = await connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${ns} CASCADE`);
      await client.query(`CREATE SCHEMA ${ns}`);
    } finally {
      await client.end();
    }
  });

  after(async () => {
    if (!outageSkip('postgres')) await startPostgres();
    const client = await connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${ns} CASCADE`);
    } finally {
      await client.end();
    }
  });

  it('answers queries in the doorman_test database', async () => {
    const client = await connect();
    try {
      const { rows } = await client.query<{ db: string; one: number }>('SELECT current_database() AS db, 1 AS one');
      assert.deepEqual(rows[0], { db: new URL(databaseUrl()!).pathname.slice(1), one: 1 });
      await client.query(`CREATE TABLE ${ns}.notes (id int PRIMARY KEY, body text NOT NULL)`);
      await client.query(`INSERT INTO ${ns}.notes VALUES (1, 'kept')`);
    } finally {
      await client.end();
    }
  });

  it('can be stopped and restarted in place, keeping its data', { skip: outageSkip('postgres') }, async () => {
    const survivor = await connect();
    await stopPostgres();
    assert.equal(await serviceRunning('postgres'), false);
    await assert.rejects(survivor.query('SELECT 1')); // its connection was cut
    await survivor.end().catch(() => {});
    await assert.rejects(connect());
    await stopPostgres(); // idempotent

    await startPostgres();
    await startPostgres(); // idempotent
    assert.equal(await serviceRunning('postgres'), true);
    const client = await connect();
    try {
      const { rows } = await client.query(`SELECT body FROM ${ns}.notes WHERE id = 1`);
      assert.deepEqual(rows, [{ body: 'kept' }]);
    } finally {
      await client.end();
    }
  });
});

describe('Chromium via playwright-core', { skip: serviceSkip('chromium') }, () => {
  it('launches headless, opens a data: URL and reads its title', async () => {
    assert.ok(chromiumPath());
    const browser = await chromium.launch(chromiumLaunchOptions());
    try {
      const page = await browser.newPage();
      await page.goto('data:text/html,<title>doorman ok</title><h1>hello</h1>');
      assert.equal(await page.title(), 'doorman ok');
      assert.equal(await page.textContent('h1'), 'hello');
    } finally {
      await browser.close();
    }
  });
});
