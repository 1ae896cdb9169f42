// SPEC section 11 faults against the real server: PostgreSQL unreachable at start is one line and a non-zero
// exit; lost while running (a TCP proxy in front of it is cut) turns /api/health into 503 db_connected:false
// and sends into 503, and the gateway recovers by itself when the database is back, losing nothing it acknowledged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, MAIN, startServer, waitFor, type RunningServer } from '../support/server.js';
import { adminUrl, createTestDatabase, pgSkip, type TestDatabase } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const skip = await pgSkip('test/main/postgres-faults.test.ts (database lost while running)');
const EMAIL = { from: 'a@example.com', to: ['b@example.org'], subject: 'through the outage', body_text: 'x' };
let db: TestDatabase | undefined;
let proxy: TcpProxy | undefined;
let server: RunningServer | undefined;

before(async () => {
  if (skip.skip) return;
  db = await createTestDatabase();
  const admin = new URL(adminUrl());
  proxy = await startTcpProxy(admin.hostname, Number(admin.port || 5432));
  const viaProxy = new URL(db.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  server = await startServer({
    readyTimeoutMs: 60_000,
    env: { DATABASE_URL: viaProxy.toString(), SMTP_LISTEN_PORT: 'off' },
    config: { providers: [], routing: { mode: 'smart', sandbox: true, rules: [] }, version: 1 },
  });
});

after(async () => {
  await server?.kill();
  if (server) rmSync(server.dir, { recursive: true, force: true });
  await proxy?.close();
  await db?.drop();
});

test('a database that does not answer at start: one line on stderr, non-zero exit, no password', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-nodb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', SMTP_LISTEN_PORT: 'off', DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/protopost', CONFIG_PATH: join(dir, 'config.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.notEqual(code, 0);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^protopost: .*PostgreSQL.*not reachable/);
  assert.ok(!stderr.includes('hunter2'));
  assert.equal(existsSync(join(dir, 'config.json')), false, 'PostgreSQL mode never writes CONFIG_PATH');
});

test('lost while running: health 503 and sends 503; back by itself, nothing acknowledged lost', skip, async () => {
  const s = server!;
  const acked: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await api(s.url, 'POST', '/api/send', EMAIL);
    assert.equal(r.status, 200, r.text);
    acked.push(r.json.log_id);
  }
  assert.equal((await api(s.url, 'GET', '/api/health')).status, 200);

  proxy!.cut();
  const down = await waitFor(async () => {
    const h = await api(s.url, 'GET', '/api/health');
    return h.status === 503 ? h : undefined;
  }, 10_000, 'health to report the database lost');
  assert.equal(down.json.db_connected, false);
  assert.equal(down.json.database, 'postgres');
  const refused = await api(s.url, 'POST', '/api/send', EMAIL);
  assert.equal(refused.status, 503, refused.text);
  assert.ok(!/hunter2|password/i.test(refused.text));

  proxy!.restore();
  await waitFor(async () => (await api(s.url, 'GET', '/api/health')).status === 200, 15_000, 'health to recover');
  const again = await api(s.url, 'POST', '/api/send', EMAIL);
  assert.equal(again.status, 200, again.text);
  acked.push(again.json.log_id);
  for (const id of acked) assert.equal((await api(s.url, 'GET', `/api/logs/${id}`)).json.status, 'sandbox', `log ${id}`);
  assert.equal(s.process.exitCode, null, 'the gateway kept running');
  assert.equal(s.process.signalCode, null);
});
