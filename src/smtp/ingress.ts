// SMTP ingress (SPEC section 7): a listener whose every message goes through the same dispatch path as
// POST /api/send (sandbox, routing, logging), with the outcome as the reply to DATA.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { Dispatcher } from '../dispatch.js';
import { allows, hashSecret, principalName, type Credentials, type Principal } from '../auth/credentials.js';
import { IntakeSlots } from './intake-slots.js';
import { parseSmtpMessage } from './parse.js';
import { INTERNAL_ERROR_REPLY, SUPPRESSED_REPLY, toSmtpReply, TOO_BIG_REPLY, type SmtpReply } from './replies.js';
import { useFastUnstuffing } from './unstuffing.js';

export interface SmtpIngressOptions {
  readonly host: string;
  /** 0 = any free port */
  readonly port: number;
  readonly maxBytes: number;
  /** AUTH_TOKEN and API keys; AUTH is required when a token is configured */
  readonly credentials: Credentials;
  /** PEM file paths; both set = STARTTLS offered */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly dispatcher: Pick<Dispatcher, 'submit'> & Partial<Pick<Dispatcher, 'suppressedAmong'>>;
  readonly logger: Logger;
  /** a startup problem: one clear line on stderr and a non-zero exit */
  readonly die: (message: string) => never;
  /** how long stop() lets sessions in the middle of a message finish; default 10 s */
  readonly graceMs?: number;
  /** concurrent sessions beyond this get 421; default 100 */
  readonly maxClients?: number;
  /** RCPT TO beyond this per message get 452; default 100 */
  readonly maxRecipients?: number;
  /** a session silent this long is closed; default 60 s */
  readonly idleTimeoutMs?: number;
  /** messages past 1 MiB received at once; the others wait, paused; default 4 */
  readonly largeMessageSlots?: number;
}

export interface SmtpIngress {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** the port actually bound (after start) */
  readonly port: number | null;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopbackAddress(ip: string | undefined): boolean {
  if (!ip) return false;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return v4.startsWith('127.') || ip === '::1';
}

/** What an authenticated session carries: who it is, and for a key its hash, to notice a revocation. */
interface SessionUser {
  readonly principal: Principal;
  readonly keyHash?: string;
}

const REVOKED_REPLY: SmtpReply = { code: 535, text: 'Authentication failed: this API key has been revoked' };

/** Past this size a message being received needs one of the large-message slots. */
const LARGE_MESSAGE_BYTES = 1024 * 1024;

const smtpError = (r: SmtpReply) => Object.assign(new Error(r.text), { responseCode: r.code });

function readTls(o: SmtpIngressOptions): { cert: Buffer; key: Buffer } | undefined {
  if (!o.tlsCert && !o.tlsKey) return undefined;
  if (!o.tlsCert || !o.tlsKey) o.die('SMTP_LISTEN_TLS_CERT and SMTP_LISTEN_TLS_KEY must be set together');
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      return o.die(`cannot read ${name} at ${path}: ${(err as Error).message}`);
    }
  };
  return { cert: read('SMTP_LISTEN_TLS_CERT', o.tlsCert), key: read('SMTP_LISTEN_TLS_KEY', o.tlsKey) };
}

export function createSmtpIngress(o: SmtpIngressOptions): SmtpIngress {
  const log = o.logger.child({ component: 'smtp' });
  const graceMs = o.graceMs ?? 10_000;
  /** sessions between DATA and the reply: stop() lets these finish */
  const busy = new Set<string>();
  let server: SMTPServer | undefined;
  let bound: number | null = null;
  let stopping = false;
  let tls: { cert: Buffer; key: Buffer } | undefined;
  const slots = new IntakeSlots(o.largeMessageSlots ?? 4);

  /** After a message is answered during shutdown, the session is told so and closed. */
  const closeIfStopping = (sessionId: string) => {
    if (!stopping || !server) return;
    for (const c of server.connections) {
      if (c.id === sessionId) {
        c.send(421, 'Server shutting down');
        c.close();
      }
    }
  };

  async function handleMessage(raw: Buffer, session: SMTPServerSession): Promise<SmtpReply> {
    const envelope = {
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      to: session.envelope.rcptTo.map((r) => r.address),
    };
    const user = session.user as unknown as SessionUser | undefined;
    // A key revoked while this session was open fails at once, as over HTTP.
    if (user?.keyHash && !(await o.credentials.resolveHash(user.keyHash))) return REVOKED_REPLY;
    const message = await parseSmtpMessage(raw, envelope);
    const result = await o.dispatcher.submit(message, { source: 'smtp', apiKey: principalName(user?.principal) });
    const reply = toSmtpReply(result);
    log.debug({ session: session.id, bytes: raw.length, code: reply.code, log_id: 'logId' in result ? result.logId : undefined }, 'SMTP message handled');
    return reply;
  }

  function onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    busy.add(session.id);
    // The message is held once: its chunks, joined into one Buffer at the end (the stored raw source).
    const chunks: Buffer[] = [];
    let length = 0;
    let release: (() => void) | undefined;
    let waiting = false;
    let finished = false;
    const finish = () => {
      finished = true;
      busy.delete(session.id);
      release?.();
    };
    stream.on('data', (chunk: Buffer) => {
      // Past the limit nothing more is kept: the rest is only drained so the client gets its 552.
      if (stream.sizeExceeded || length + chunk.length > o.maxBytes) return;
      chunks.push(chunk);
      length += chunk.length;
      if (length > LARGE_MESSAGE_BYTES && !release && !waiting) {
        waiting = true;
        stream.pause();
        void slots.acquire().then((r) => {
          waiting = false;
          release = r;
          if (finished) r();
          else stream.resume();
        });
      }
    });
    // The client went away before the final dot: nothing was accepted, so nothing is stored or logged.
    stream.once('error', finish);
    stream.once('end', () => {
      const answer = (r: SmtpReply) => {
        finish();
        if (r.code < 400) callback(null, r.text);
        else callback(smtpError(r));
        setImmediate(closeIfStopping, session.id);
      };
      if (stream.sizeExceeded || stream.byteLength > o.maxBytes) return answer(TOO_BIG_REPLY(o.maxBytes));
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
      chunks.length = 0;
      handleMessage(raw, session).then(answer, (err) => {
        log.error({ err, session: session.id }, 'SMTP message could not be handled');
        answer(INTERNAL_ERROR_REPLY);
      });
    });
  }

  const maxRecipients = o.maxRecipients ?? 100;
  /** Over the recipient cap: 452; a suppressed recipient: 550 5.7.1, at once, before any data is sent. */
  function onRcptTo(...[address, session, callback]: Parameters<NonNullable<SMTPServerOptions['onRcptTo']>>): void {
    // 452 (not 552): the client keeps the recipients accepted so far and sends the rest in another transaction (RFC 5321 4.5.3.1.10).
    if (session.envelope.rcptTo.length >= maxRecipients) return callback(smtpError({ code: 452, text: `Too many recipients: at most ${maxRecipients} per message` }));
    const check = o.dispatcher.suppressedAmong;
    if (!check) return callback();
    check.call(o.dispatcher, [address.address]).then(
      (hit) => callback(hit.size ? smtpError(SUPPRESSED_REPLY) : undefined),
      (err) => {
        log.error({ err }, 'suppression check failed');
        callback(smtpError({ code: 451, text: '4.3.0 Temporary error checking the recipient; try again later' }));
      },
    );
  }

  function onAuth(...[auth, session, callback]: Parameters<NonNullable<SMTPServerOptions['onAuth']>>): void {
    // With TLS on offer, a client off this machine must use it before sending the token (smtpd_tls_auth_only).
    if (tls && !session.secure && !isLoopbackAddress(session.remoteAddress)) {
      return callback(smtpError({ code: 538, text: 'Encryption required: use STARTTLS before AUTH' }));
    }
    const password = auth.password ?? undefined;
    o.credentials.resolve(password).then(
      (principal) => {
        if (!principal) return callback(smtpError({ code: 535, text: 'Authentication failed: use any username and the AUTH_TOKEN or a send API key as password' }));
        // The same rule as HTTP: SMTP is a send endpoint.
        if (!allows(principal, 'send')) return callback(smtpError({ code: 535, text: `Authentication failed: this key's scope (${principal.kind === 'key' ? principal.scope : ''}) does not allow sending` }));
        const user: SessionUser = { principal, keyHash: principal.kind === 'key' ? hashSecret(password!) : undefined };
        callback(null, { user: user as unknown as string });
      },
      () => callback(smtpError({ code: 454, text: 'Temporary authentication failure' })),
    );
  }

  return {
    get port() {
      return bound;
    },
    async start() {
      tls = readTls(o);
      if (!(await useFastUnstuffing())) log.debug('smtp-server is not the version reviewed in unstuffing.ts: its own DATA scan is used');
      const auth = o.credentials.required;
      const options: SMTPServerOptions = {
        banner: 'ProtoPost',
        size: o.maxBytes,
        authMethods: ['PLAIN', 'LOGIN'],
        authOptional: !auth,
        authRequiredMessage: 'Authentication required: AUTH PLAIN or LOGIN with the AUTH_TOKEN as password',
        // Loopback clients may AUTH in clear text; others are held to STARTTLS in onAuth when it is offered.
        allowInsecureAuth: true,
        disabledCommands: [...(tls ? [] : ['STARTTLS']), ...(auth ? [] : ['AUTH'])],
        ...(tls ?? {}),
        disableReverseLookup: true,
        maxClients: o.maxClients ?? 100,
        socketTimeout: o.idleTimeoutMs ?? 60_000,
        closeTimeout: graceMs,
        logger: false,
        onAuth: auth ? onAuth : undefined,
        onRcptTo,
        onData,
      };
      try {
        server = new SMTPServer(options);
      } catch (err) {
        // The TLS context is built here: a file that is not PEM, or a key that does not match the certificate.
        if (tls) o.die(`SMTP_LISTEN_TLS_CERT (${o.tlsCert}) and SMTP_LISTEN_TLS_KEY (${o.tlsKey}) are not a usable PEM certificate and key: ${(err as Error).message}`);
        throw err;
      }
      const s = server;
      let listening = false;
      await new Promise<void>((resolve, reject) => {
        s.on('error', (err: NodeJS.ErrnoException) => {
          if (!listening) return reject(err);
          // A client's broken connection (reset, bad TLS, …) ends that session only.
          const routine = err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'ETIMEDOUT' || err.code === 'ECONNECTION';
          log[routine ? 'debug' : 'warn']({ err: { code: err.code, message: err.message } }, 'SMTP session error');
        });
        s.listen(o.port, o.host, () => {
          listening = true;
          resolve();
        });
      }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') o.die(`SMTP port ${o.port} on ${o.host} is already in use (set SMTP_LISTEN_PORT to another port, or off)`);
        if (err.code === 'EACCES') o.die(`no permission to listen on ${o.host}:${o.port} for SMTP (set SMTP_LISTEN_PORT)`);
        if (err.code === 'EADDRNOTAVAIL') o.die(`cannot bind ${o.host} for SMTP: no such local address (set HOST)`);
        o.die(`cannot listen for SMTP on ${o.host}:${o.port}: ${err.message}`);
      });
      bound = (s.server.address() as AddressInfo).port;
      if (auth && tls === undefined && !isLoopbackAddress(o.host) && o.host !== 'localhost') {
        log.warn({ host: o.host }, 'SMTP AUTH is accepted without TLS on a non-loopback address: set SMTP_LISTEN_TLS_CERT/KEY');
      }
      o.logger.info({ smtp_port: bound }, 'SMTP listening');
    },
    async stop() {
      const s = server;
      if (!s || stopping) return;
      stopping = true;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      // Idle sessions (and ones between commands) are told at once; a session inside DATA is answered first.
      for (const c of [...s.connections]) {
        if (busy.has(c.id)) continue;
        c.send(421, 'Server shutting down');
        c.close();
      }
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs + 1000)));
      await Promise.race([closed, bounded]);
      clearTimeout(timer);
    },
  };
}
