// SMTP test helpers: the server per test, nodemailer and raw-socket clients, provider entries.
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { api, startServer, waitFor, type RunningServer, type StartOptions } from '../support/server.js';

export const TOKEN = 'smtp-test-token-0123456789';

export const configOf = (providers: unknown[], routing: Record<string, unknown> = {}) => ({
  providers,
  routing: { mode: 'smart', sandbox: false, rules: [], ...routing },
  version: 1,
});

export const SANDBOX = configOf([], { sandbox: true });

export const resendEntry = (url: string) => ({ id: 'rs', name: 'Resend fake', type: 'resend', enabled: true, weight: 100, api_key: 're_x', base_url: url });

export const smtpEntry = (port: number) => ({
  id: 'relay',
  name: 'SMTP sink',
  type: 'custom_smtp',
  enabled: true,
  weight: 100,
  smtp_host: '127.0.0.1',
  smtp_port: port,
  smtp_use_tls: false,
});

/** Starts the real server for one test; killed and its directory removed when the test ends. */
export async function serverFor(t: TestContext, o: StartOptions = {}): Promise<RunningServer> {
  const s = await startServer(o);
  t.after(async () => {
    await s.kill();
    rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}

export function transport(s: RunningServer, o: Partial<SMTPTransport.Options> = {}) {
  return nodemailer.createTransport({ host: '127.0.0.1', port: s.smtpPort!, secure: false, ignoreTLS: true, connectionTimeout: 5000, ...o });
}

export const BEARER = { authorization: `Bearer ${TOKEN}` };

/** The newest log records, after `count` of them exist. */
export async function logs(s: RunningServer, count = 1, query = '', headers: Record<string, string> = {}) {
  const res = await waitFor(async () => {
    const r = await api(s.url, 'GET', `/api/logs?limit=100${query}`, undefined, headers);
    return r.json?.total >= count ? r : undefined;
  }, 5000, `${count} log record(s)`);
  return res.json;
}

export const detail = async (s: RunningServer, id: number) => (await api(s.url, 'GET', `/api/logs/${id}`)).json;

/** Runs a python3 snippet (argv[1] = the SMTP port); undefined when python3 is missing. */
export async function python(code: string, port: number): Promise<{ code: number | null; stdout: string; stderr: string } | undefined> {
  const { spawn, spawnSync } = await import('node:child_process');
  if (spawnSync('python3', ['--version']).status !== 0) return undefined;
  return new Promise((resolve) => {
    const p = spawn('python3', ['-c', code, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
    p.on('exit', (c) => {
      clearTimeout(timer);
      resolve({ code: c, stdout, stderr });
    });
  });
}

/** A line-level SMTP client over a raw socket: for what real clients never do (hang up mid-DATA, lie about sizes). */
export class RawSmtp {
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<RawSmtp> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new RawSmtp(socket);
    await c.reply();
    return c;
  }

  /** The next complete reply (multi-line ones joined); rejects after `timeoutMs` or when the server hangs up first. */
  async reply(timeoutMs = 5000): Promise<{ code: number; text: string }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*(\d{3}) [^\n]*\n/.exec(this.buffer);
      if (m) {
        this.buffer = this.buffer.slice(m[0].length);
        return { code: Number(m[1]), text: m[0].trim() };
      }
      if (this.closed) throw new Error(`connection closed; unparsed: ${JSON.stringify(this.buffer)}`);
      if (Date.now() > until) throw new Error(`no SMTP reply; got ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(line: string): Promise<{ code: number; text: string }> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** EHLO, MAIL FROM, RCPT TO each, DATA: ready for the message bytes. */
  async begin(from: string, to: string[]): Promise<void> {
    await this.command('EHLO raw.test');
    await expectCode(this.command(`MAIL FROM:<${from}>`), 250);
    for (const r of to) await expectCode(this.command(`RCPT TO:<${r}>`), 250);
    await expectCode(this.command('DATA'), 354);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export async function expectCode(p: Promise<{ code: number; text: string }>, code: number): Promise<{ code: number; text: string }> {
  const r = await p;
  if (r.code !== code) throw new Error(`expected ${code}, got ${r.text}`);
  return r;
}

/** A message in wire form: CRLF line ends, dot-stuffed, with the terminating dot. */
export const wire = (raw: Buffer) => Buffer.concat([Buffer.from(raw.toString('latin1').replace(/(^|\r\n)\./g, '$1..'), 'latin1'), Buffer.from('.\r\n')]);
