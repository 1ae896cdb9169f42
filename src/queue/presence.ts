// Which instances of one database are alive on this host. Each listens on a Unix socket named after its
// INSTANCE_ID, in a directory shared by the instances of that database on this host. The kernel closes a process's socket when
// the process ends, however it ends (SIGKILL included), so a refused connection proves that instance is gone and
// its leases can be taken now instead of when they expire. Nothing else proves anything: no socket (another host,
// another temp directory, an older version), no permission or a timeout all leave the leases to expire.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

export type Probe = 'alive' | 'gone' | 'unknown';

/** sun_path holds 108 bytes on Linux, 104 on macOS */
const MAX_SOCKET_PATH = 100;
const PROBE_TIMEOUT_MS = 1000;
/** a socket left by an instance that ended this long ago no longer stands for any live lease */
const SWEEP_AFTER_MS = 24 * 3600_000;

const digest = (text: string, chars: number) => createHash('sha256').update(text).digest('hex').slice(0, chars);

function probePath(path: string): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (p: Probe) => {
      socket.destroy();
      resolve(p);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done('unknown'));
    socket.once('connect', () => done('alive'));
    // ECONNREFUSED: the socket file is there and nobody listens on it any more. (A full backlog is EAGAIN.)
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'gone' : 'unknown'));
  });
}

export class Presence {
  private constructor(
    private readonly dir: string | undefined,
    private readonly server: Server | undefined,
    private readonly own: string | undefined,
  ) {}

  /**
   * Registers `id` among the instances of `scope` (the database, without secrets). `previous` tells what the
   * last process with this id was: `gone` means it ended on this host and whatever it held is orphaned; `alive`
   * means a live process already uses this id (then this one is not registered: the other answers for it).
   */
  static async join(scope: string, id: string, root = tmpdir()): Promise<{ presence: Presence; previous: Probe }> {
    // The host's name is part of it: a /tmp shared between hosts (where a socket file would refuse connections
    // from a host that does not own it) never mixes their instances.
    const dir = join(root, `protopost-presence-${digest(`${hostname()}\n${scope}`, 16)}`);
    const path = join(dir, `${digest(id, 24)}.sock`);
    if (process.platform === 'win32' || path.length > MAX_SOCKET_PATH) return { presence: new Presence(undefined, undefined, undefined), previous: 'unknown' };
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch {
      return { presence: new Presence(undefined, undefined, undefined), previous: 'unknown' };
    }
    const previous = await probePath(path);
    if (previous === 'alive') return { presence: new Presence(dir, undefined, undefined), previous };
    if (previous === 'gone') unlinkQuietly(path);
    const server = createServer((s) => s.destroy());
    const failure = await new Promise<string | undefined>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      server.listen(path, () => resolve(undefined));
    });
    // EADDRINUSE: a process with the same id started at the same moment and registered first. Anything else (a
    // directory another user owns, say): this instance goes unregistered and others wait for its leases.
    if (failure === 'EADDRINUSE') return { presence: new Presence(dir, undefined, undefined), previous: 'alive' };
    if (failure) return { presence: new Presence(dir, undefined, undefined), previous: 'unknown' };
    server.unref();
    const presence = new Presence(dir, server, path);
    await presence.sweep();
    return { presence, previous };
  }

  /** Whether the instance `id` is alive on this host, provably gone, or unknown here. */
  async probe(id: string): Promise<Probe> {
    if (!this.dir) return 'unknown';
    const path = join(this.dir, `${digest(id, 24)}.sock`);
    if (path === this.own) return 'alive';
    return probePath(path);
  }

  /** Removes the socket of a gone instance once what it held has been handed over. */
  forget(id: string): void {
    if (this.dir) unlinkQuietly(join(this.dir, `${digest(id, 24)}.sock`));
  }

  async close(): Promise<void> {
    if (!this.server) return;
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    unlinkQuietly(this.own!);
  }

  /**
   * Removes the sockets of instances gone for longer than any lease lasts (they would pile up otherwise). Younger
   * ones stay: they prove that an instance which may still hold leases is gone.
   */
  private async sweep(): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(this.dir!).filter((n) => n.endsWith('.sock'));
    } catch {
      return;
    }
    for (const name of names.slice(0, 256)) {
      const path = join(this.dir!, name);
      if (path !== this.own && Date.now() - mtimeMs(path) > SWEEP_AFTER_MS && (await probePath(path)) === 'gone') unlinkQuietly(path);
    }
  }
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
