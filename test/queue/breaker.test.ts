// Circuit breaker and metrics against the real server: opens after 3 failures, skips, half-opens, closes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, startServer } from '../support/server.js';
import { startHttpFake } from '../fakes/http-fake.js';

const EMAIL = { from: 'sender@example.com', to: ['rcpt@example.org'], subject: 'Breaker', body_text: 'b' };
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup) await c();
});

test('breaker: 3 failures open it, open providers are skipped, one trial after the cooldown closes it', async () => {
  const primary = await startHttpFake(() => ({ status: 500, body: { message: 'primary down' } }));
  const backup = await startHttpFake(() => ({ status: 200, body: { id: 'from-backup' } }));
  const server = await startServer({
    env: { SMTP_LISTEN_PORT: 'off', BREAKER_COOLDOWN_MS: '400' },
    config: {
      providers: [
        { id: 'primary', name: 'Primary', type: 'resend', enabled: true, weight: 100, api_key: 're_primary_secret_key_1', base_url: primary.url },
        { id: 'backup', name: 'Backup', type: 'resend', enabled: true, weight: 50, api_key: 're_backup_secret_key_22', base_url: backup.url },
      ],
      routing: { mode: 'smart', sandbox: false, rules: [] },
      version: 1,
    },
  });
  cleanup.push(async () => {
    await server.kill();
    await primary.close();
    await backup.close();
  });

  for (let i = 0; i < 3; i++) {
    const res = await api(server.url, 'POST', '/api/send', EMAIL);
    assert.equal(res.json.provider.id, 'backup');
    assert.equal(res.json.attempts.length, 2);
  }
  let health = (await api(server.url, 'GET', '/api/providers/health')).json.providers;
  const p = health.find((h: any) => h.id === 'primary');
  assert.equal(p.state, 'open');
  assert.equal(p.consecutive_failures, 3);
  assert.match(p.last_error, /primary down/);
  assert.doesNotMatch(JSON.stringify(health), /re_primary_secret_key_1/);

  // Open: skipped, the primary fake sees nothing more.
  const skipped = await api(server.url, 'POST', '/api/send', EMAIL);
  assert.equal(skipped.json.attempts.length, 1);
  assert.equal(primary.requests.length, 3);

  // After the cooldown one trial goes to the primary; it succeeds and the circuit closes.
  primary.respond(() => ({ status: 200, body: { id: 'from-primary' } }));
  await new Promise((r) => setTimeout(r, 450));
  health = (await api(server.url, 'GET', '/api/providers/health')).json.providers;
  assert.equal(health.find((h: any) => h.id === 'primary').state, 'half_open');
  const trial = await api(server.url, 'POST', '/api/send', EMAIL);
  assert.equal(trial.json.provider.id, 'primary');
  health = (await api(server.url, 'GET', '/api/providers/health')).json.providers;
  assert.equal(health.find((h: any) => h.id === 'primary').state, 'closed');
  assert.equal(health.find((h: any) => h.id === 'primary').consecutive_failures, 0);
  assert.ok(health.find((h: any) => h.id === 'primary').last_success_at);
});

test('when every candidate is open they are tried anyway', async () => {
  const down = await startHttpFake(() => ({ status: 503, body: { message: 'down' } }));
  const server = await startServer({
    env: { SMTP_LISTEN_PORT: 'off', BREAKER_COOLDOWN_MS: '60000' },
    config: {
      providers: [{ id: 'only', name: 'Only', type: 'resend', enabled: true, weight: 100, api_key: 're_only_secret_key_123', base_url: down.url }],
      routing: { mode: 'smart', sandbox: false, rules: [] },
      version: 1,
    },
  });
  cleanup.push(async () => {
    await server.kill();
    await down.close();
  });
  for (let i = 0; i < 4; i++) assert.equal((await api(server.url, 'POST', '/api/send', EMAIL)).status, 502);
  assert.equal(down.requests.length, 4);
});

/** Prometheus text → {"name{labels}": value}. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

test('metrics: a send moves the counters, the histogram and the gauges; /metrics needs the token', async () => {
  const fake = await startHttpFake(() => ({ status: 200, body: { id: 'm1' } }));
  const token = 'metrics-token-123';
  const auth = { authorization: `Bearer ${token}` };
  const server = await startServer({
    env: { SMTP_LISTEN_PORT: 'off', AUTH_TOKEN: token },
    config: {
      providers: [{ id: 'rs', name: 'Resend', type: 'resend', enabled: true, weight: 100, api_key: 're_metrics_secret_key_1', base_url: fake.url }],
      routing: { mode: 'smart', sandbox: false, rules: [] },
      version: 1,
    },
  });
  cleanup.push(async () => {
    await server.kill();
    await fake.close();
  });
  assert.equal((await api(server.url, 'GET', '/metrics')).status, 401);
  assert.equal((await api(server.url, 'POST', '/api/send', EMAIL, auth)).status, 200);
  const res = await api(server.url, 'GET', '/metrics', undefined, auth);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /text\/plain/);
  const m = parseMetrics(res.text);
  assert.equal(m.get('protopost_emails_total{status="success",provider="Resend"}'), 1);
  assert.equal(m.get('protopost_attempts_total{provider="Resend",outcome="ok"}'), 1);
  assert.equal(m.get('protopost_attempt_duration_seconds_count{provider="Resend"}'), 1);
  assert.equal(m.get('protopost_queue_depth'), 0);
  assert.equal(m.get('protopost_circuit_state{provider="Resend"}'), 0);
  assert.doesNotMatch(res.text, /re_metrics_secret_key_1/);
});
