// A real SMTP server on loopback (smtp-server) that keeps what SMTP providers deliver to it.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  /** the DATA bytes exactly as received (dot-unstuffed) */
  readonly raw: Buffer;
  readonly user?: string;
}

export interface SmtpSink {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** every connection's remote address, and every AUTH attempt's credentials (tests assert a password never arrives) */
  readonly connections: string[];
  readonly logins: { username: string; password: string }[];
  /** answer the next DATA with this error (`code` 4xx/5xx); null = accept */
  failWith(error: { code: number; message: string } | null): void;
  close(): Promise<void>;
}

export async function startSmtpSink(options: { users?: Record<string, string>; hangOnData?: boolean } = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const connections: string[] = [];
  const logins: { username: string; password: string }[] = [];
  let failure: { code: number; message: string } | null = null;
  const config: SMTPServerOptions = {
    secure: false,
    disabledCommands: ['STARTTLS', ...(options.users ? [] : ['AUTH'])],
    authOptional: !options.users,
    allowInsecureAuth: true,
    logger: false,
    onConnect(session, cb) {
      connections.push(session.remoteAddress);
      cb();
    },
    onAuth(auth, _session, cb) {
      logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
      const ok = options.users && options.users[auth.username ?? ''] === auth.password;
      if (ok) return cb(null, { user: auth.username });
      const err = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
      cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (options.hangOnData) return; // never answer: the client must time out
        if (failure) return cb(Object.assign(new Error(failure.message), { responseCode: failure.code }));
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  };
  const server = new SMTPServer(config);
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    connections,
    logins,
    failWith(e) {
      failure = e;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
