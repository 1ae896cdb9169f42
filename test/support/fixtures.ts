// Shared building blocks for the end-to-end tests: a valid email, provider entries pointed at local fakes,
// a server per test that is stopped (and its temp dir removed) when the test ends.
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import type { TestContext } from 'node:test';
import { api, startServer, type ApiResponse, type RunningServer, type StartOptions } from './server.js';
import type { HttpFake, Responder } from '../fakes/http-fake.js';

export const TOKEN = 'test-token-0123456789abcdef';

/** The smallest valid `POST /api/send` body. */
export const EMAIL = Object.freeze({ from: 'Sender <sender@example.com>', to: ['rcpt@example.org'], subject: 'Hello', body_text: 'Hi there' });

export const email = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ ...EMAIL, ...overrides });

/** Long enough to be masked `…wxyz` style; unique per provider so a leak names its source. */
export const apiKey = (id: string) => `re_live_${id}_SECRET_9f8e7d6c5b4a`;

export const resendEntry = (id: string, fake: HttpFake | string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Resend ${id}`,
  type: 'resend',
  api_key: apiKey(id),
  base_url: typeof fake === 'string' ? fake : fake.url,
  ...extra,
});

export const mailtrapEntry = (id: string, fake: HttpFake | string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Mailtrap ${id}`,
  type: 'mailtrap',
  api_key: `mt_token_${id}_SECRET_1a2b3c4d5e`,
  base_url: typeof fake === 'string' ? fake : fake.url,
  ...extra,
});

export const smtpEntry = (id: string, port: number, extra: Record<string, unknown> = {}) => ({
  id,
  name: `SMTP ${id}`,
  type: 'custom_smtp',
  smtp_host: '127.0.0.1',
  smtp_port: port,
  smtp_use_tls: false,
  ...extra,
});

export const configOf = (providers: unknown[], routing: Record<string, unknown> = {}) => ({
  providers,
  routing: { mode: 'smart', sandbox: false, rules: [], ...routing },
  version: 1,
});

/** Resend-style success with a message id naming the fake. */
export const resendOk = (id = 'msg-1'): Responder => () => ({ status: 200, body: { id } });

/** Starts the real server for one test; stopped and cleaned up when the test ends. */
export async function serverFor(t: TestContext, o: StartOptions = {}): Promise<RunningServer> {
  const s = await startServer(o);
  t.after(async () => {
    await s.kill();
    if (!o.dir) rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}

/** A fake closed when the test ends. */
export async function fakeFor(t: TestContext, start: () => Promise<HttpFake>): Promise<HttpFake> {
  const f = await start();
  t.after(() => f.close());
  return f;
}

export const send = (s: RunningServer, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> =>
  api(s.url, 'POST', '/api/send', body, headers);

/** How many log records the server holds (counts every status). */
export async function logTotal(s: RunningServer, headers: Record<string, string> = {}): Promise<number> {
  const r = await api(s.url, 'GET', '/api/logs?limit=1', undefined, headers);
  if (r.status !== 200) throw new Error(`GET /api/logs answered ${r.status}: ${r.text}`);
  return r.json.total;
}

export const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

/**
 * POST with node:http that sends the headers first and the body only if the server has not answered within
 * `bodyAfterMs`: a server refusing by Content-Length (413) answers at once, and a body already in flight would
 * make it reset the connection, which can lose its answer.
 */
export function postRaw(base: string, path: string, body: string | Buffer, headers: Record<string, string> = {}, bodyAfterMs = 1000): Promise<{ status: number; json: any; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      clearTimeout(timer);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        req.destroy();
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on('error', reject);
    req.flushHeaders();
    const timer = setTimeout(() => req.end(body), bodyAfterMs);
  });
}

/** Creates an API key with the token; returns its secret and record. */
export async function createKey(s: RunningServer, name: string, scope: 'send' | 'read' | 'admin', token = TOKEN): Promise<{ secret: string; key: any }> {
  const r = await api(s.url, 'POST', '/api/keys', { name, scope }, auth(token));
  if (r.status !== 201) throw new Error(`POST /api/keys answered ${r.status}: ${r.text}`);
  return r.json;
}
