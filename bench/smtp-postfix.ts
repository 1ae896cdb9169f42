// A private, throwaway Postfix instance on a loopback port that accepts mail and discards it: the
// reference for the SMTP ingress benchmark. Nothing leaves the machine (default_transport = discard,
// relay only from 127.0.0.0/8, listening on 127.0.0.1 only). Needs root, as `postfix start` does.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostfixInstance {
  readonly port: number;
  readonly dir: string;
  /** the master process (its children are smtpd, cleanup, qmgr, …) */
  readonly masterPid: number | undefined;
  stop(): void;
}

export const POSTFIX = ['/usr/sbin/postfix', '/usr/local/sbin/postfix'].find(existsSync);

function mainCf(dir: string, log: boolean): string {
  return `# throwaway benchmark instance: loopback only, everything discarded
compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-bench
${log ? `maillog_file = ${dir}/postfix.log\nmaillog_file_prefixes = ${dir}` : '# no log file: the reference runs as lean as it can (SMTP_BENCH_POSTFIX_LOG=1 writes postfix.log)'}
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = bench.localdomain
mydomain = localdomain
myorigin = bench.localdomain
mydestination =
relay_domains =
relayhost =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
smtpd_peername_lookup = no
default_transport = discard:benchmark
relay_transport = discard:benchmark
local_transport = discard:benchmark
virtual_transport = discard:benchmark
alias_maps =
alias_database =
local_recipient_maps =
message_size_limit = 26214400
biff = no
default_process_limit = 100
`;
}

function masterCf(port: number): string {
  const rows = [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    'pickup    unix  n - n 60 1 pickup',
    'cleanup   unix  n - n -  0 cleanup',
    'qmgr      unix  n - n 300 1 qmgr',
    'rewrite   unix  - - n -  - trivial-rewrite',
    'bounce    unix  - - n -  0 bounce',
    'defer     unix  - - n -  0 bounce',
    'trace     unix  - - n -  0 bounce',
    'verify    unix  - - n -  1 verify',
    'flush     unix  n - n 1000? 0 flush',
    'proxymap  unix  - - n -  - proxymap',
    'showq     unix  n - n -  - showq',
    'error     unix  - - n -  - error',
    'retry     unix  - - n -  - error',
    'discard   unix  - - n -  - discard',
    'anvil     unix  - - n -  1 anvil',
    'scache    unix  - - n -  1 scache',
    'postlog   unix-dgram n - n - 1 postlogd',
  ];
  return rows.join('\n') + '\n';
}

function masterPid(dir: string): number | undefined {
  try {
    return Number(readFileSync(join(dir, 'queue', 'pid', 'master.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the instance; throws with Postfix's own words when it cannot. */
export function startPostfix(port: number): PostfixInstance {
  if (!POSTFIX) throw new Error('postfix is not installed (Debian/Ubuntu: apt-get install postfix)');
  if (process.getuid?.() !== 0) throw new Error('starting a private Postfix instance needs root');
  const dir = mkdtempSync(join(tmpdir(), 'protopost-bench-postfix-'));
  const log = process.env.SMTP_BENCH_POSTFIX_LOG === '1';
  // Postfix's daemons drop to the postfix user and must reach data/ and queue/ through this directory.
  chmodSync(dir, 0o755);
  const conf = join(dir, 'conf');
  mkdirSync(conf);
  mkdirSync(join(dir, 'queue'));
  mkdirSync(join(dir, 'data'));
  const uid = Number(execFileSync('id', ['-u', 'postfix']).toString().trim());
  chownSync(join(dir, 'data'), uid, 0);
  writeFileSync(join(conf, 'main.cf'), mainCf(dir, log));
  writeFileSync(join(conf, 'master.cf'), masterCf(port));
  const run = (...args: string[]) => execFileSync(POSTFIX!, ['-c', conf, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  try {
    run('check');
    run('start');
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`postfix -c ${conf} start failed${why ? `: ${why}` : ''} (Postfix reports errors on a terminal or in its log: set SMTP_BENCH_POSTFIX_LOG=1)`);
  }
  let stopped = false;
  return {
    port,
    dir,
    get masterPid() {
      return masterPid(dir);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      const master = masterPid(dir);
      try {
        run('stop');
      } catch {
        /* already gone */
      }
      // `postfix stop` only signals the master: wait (bounded) until it is gone before removing its queue.
      const until = Date.now() + 10_000;
      while (master && alive(master) && Date.now() < until) execFileSync('sleep', ['0.1']);
      if (!log) rmSync(dir, { recursive: true, force: true });
    },
  };
}
