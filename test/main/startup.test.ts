// Starting and stopping the real process: SIGTERM/SIGINT exit 0 after in-flight sends finish; a busy port,
// an unusable config or database path, a bad setting: one line on stderr, a non-zero exit, no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { MAIN, waitFor } from '../support/server.js';
import { EMAIL, configOf, resendEntry, send, serverFor } from '../support/fixtures.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'protopost-start-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the server until it exits on its own (bounded); what a user sees when it refuses to start. */
function runToExit(env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, HOST: '127.0.0.1', PORT: '0', SMTP_LISTEN_PORT: '0', CONFIG_PATH: join(cwd, 'config.json'), DATABASE_PATH: join(cwd, 'emails.db'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after 10 s (it should have refused to start)\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function assertOneLineRefusal(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0, 'non-zero exit');
  assert.notEqual(r.code, null);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr + r.stdout, /^\s+at .+\(.+:\d+:\d+\)|^\s+at [\w./]+:\d+/m, 'no stack trace');
}

async function listenOn(t: TestContext): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  return (server.address() as { port: number }).port;
}

/** Runs `fn` while `path` is immutable (even root cannot write in it); false when the filesystem will not. */
async function whileImmutable(path: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
  } catch {
    return false;
  }
  try {
    await fn();
  } finally {
    execFileSync('chattr', ['-i', path], { stdio: 'ignore' });
  }
  return true;
}

test('SIGTERM and SIGINT: exit code 0, the database closed cleanly', async (t) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const s = await serverFor(t, { config: configOf([], { sandbox: true }) });
    assert.equal((await send(s, EMAIL)).status, 200);
    s.process.kill(signal);
    const code = await new Promise((r) => (s.process.exitCode !== null ? r(s.process.exitCode) : s.process.once('exit', r)));
    assert.equal(code, 0, signal);
    assert.ok(s.logs.some((l) => l?.msg === 'stopped'), `${signal}: logged "stopped"`);
    assert.equal(s.stderr(), '');
    const db = new Database(s.databasePath, { readonly: true });
    assert.equal((db.prepare('SELECT count(*) AS n FROM emails').get() as { n: number }).n, 1);
    db.close();
  }
});

test('SIGTERM lets an in-flight send finish: the client gets its 200, the record is complete, exit 0', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived = false;
  const slow = createHttpServer((req, res) => {
    arrived = true;
    req.resume();
    void gate.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"slow-ok"}'));
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  t.after(() => {
    slow.closeAllConnections();
    return new Promise((r) => slow.close(r));
  });
  const url = `http://127.0.0.1:${(slow.address() as { port: number }).port}`;
  const s = await serverFor(t, { config: configOf([resendEntry('slow', url)]) });

  const pending = send(s, EMAIL);
  await waitFor(() => arrived, 5000, 'the provider to receive the send');
  const exit = s.stop();
  await waitFor(() => s.logs.some((l) => /shutting down/.test(l?.msg)), 5000, 'shutdown to begin');
  // New requests are refused while it drains (or the listener is already closed).
  const late = await fetch(`${s.url}/api/health`).then((r) => r.status, () => 'refused');
  assert.ok(late === 503 || late === 'refused', String(late));
  release();
  const r = await pending;
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.message_id, 'slow-ok');
  assert.equal(await exit, 0);
  const db = new Database(s.databasePath, { readonly: true });
  const row = db.prepare('SELECT status, message_id FROM emails WHERE id = ?').get(r.json.log_id);
  db.close();
  assert.deepEqual(row, { status: 'success', message_id: 'slow-ok' });
});

test('a busy HTTP port: one line on stderr naming the port, non-zero exit', async (t) => {
  const port = await listenOn(t);
  const r = await runToExit({ PORT: String(port), SMTP_LISTEN_PORT: 'off' }, tempDir(t));
  assertOneLineRefusal(r, new RegExp(`${port}.*(in use|already)`));
});

test('a busy SMTP port: one line on stderr, non-zero exit', async (t) => {
  const port = await listenOn(t);
  const r = await runToExit({ SMTP_LISTEN_PORT: String(port) }, tempDir(t));
  assertOneLineRefusal(r, new RegExp(`${port}`));
});

test('config path unusable (parent is a file, a directory, not writable): one line, non-zero exit', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'file'), 'x');
  assertOneLineRefusal(await runToExit({ CONFIG_PATH: join(dir, 'file', 'config.json') }, dir), /config/);
  mkdirSync(join(dir, 'adir.json'));
  assertOneLineRefusal(await runToExit({ CONFIG_PATH: join(dir, 'adir.json') }, dir), /config/);
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  const ran = await whileImmutable(locked, async () => {
    assertOneLineRefusal(await runToExit({ CONFIG_PATH: join(locked, 'config.json') }, dir), /config.*(permission denied|not permitted)/i);
  });
  if (!ran) t.diagnostic('chattr unavailable: the not-writable case is covered only by the parent-is-a-file case');
});

test('database path unusable (no such directory, a directory, not a database, not writable): one line, non-zero exit', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(configOf([])));
  assertOneLineRefusal(await runToExit({ DATABASE_PATH: join(dir, 'missing', 'emails.db') }, dir), /database/);
  mkdirSync(join(dir, 'adir.db'));
  assertOneLineRefusal(await runToExit({ DATABASE_PATH: join(dir, 'adir.db') }, dir), /database/);
  writeFileSync(join(dir, 'garbage.db'), 'this is not an SQLite database, just text that is long enough to have a header'.repeat(20));
  assertOneLineRefusal(await runToExit({ DATABASE_PATH: join(dir, 'garbage.db') }, dir), /database/);
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  const ran = await whileImmutable(locked, async () => {
    assertOneLineRefusal(await runToExit({ DATABASE_PATH: join(locked, 'emails.db') }, dir), /database/);
  });
  if (!ran) t.diagnostic('chattr unavailable: the not-writable case is covered only by the missing-directory case');
  assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), JSON.stringify(configOf([])), 'the config is left alone');
});

test('a bad setting: one line naming the variable, non-zero exit', async (t) => {
  const dir = tempDir(t);
  for (const [name, value] of [['PORT', 'eighty'], ['PORT', '70000'], ['SMTP_LISTEN_PORT', '-1']]) {
    assertOneLineRefusal(await runToExit({ [name]: value }, dir), new RegExp(name));
  }
});
