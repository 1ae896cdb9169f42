// config.json: load with a cheap change check, last-good fallback, atomic serialized writes.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { AppConfig, FieldError } from './types.js';
import { validateConfig } from './validate.js';

export class ConfigConflictError extends Error {}

export class ConfigValidationError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; '));
  }
}

interface FileSignature {
  readonly mtimeMs: number;
  readonly size: number;
  readonly ino: number;
}

const sameSignature = (a: FileSignature | undefined, b: FileSignature) =>
  !!a && a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;

/**
 * V8's JSON.parse messages may quote the text around the mistake (`..."api_key": re_abc"...`), which can be a
 * secret: keep the kind of error and give a line and column instead of the text.
 */
export function describeJsonError(err: Error, text: string): string {
  const msg = err.message;
  const at = /\bat position (\d+)/.exec(msg);
  const token = /^Unexpected token '(.)'/.exec(msg);
  const kind = at ? msg.slice(0, at.index).replace(/\s*in JSON\s*$/, '').trim() : token ? token[0] : /^Unexpected end of JSON input/.test(msg) ? 'Unexpected end of JSON input' : 'unexpected input';
  // "Unexpected token 'x', ..." names the character but not where it is: the first one outside strings.
  const pos = at ? Number(at[1]) : token ? firstOutsideStrings(text, token[1]) : -1;
  if (pos < 0) return kind;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${kind} at line ${line} column ${column}`;
}

function firstOutsideStrings(text: string, ch: string): number {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ch) return i;
  }
  return -1;
}

/**
 * The config in force, as the rest of the gateway sees it: the file (FileConfigStore, the default) or, in
 * PostgreSQL mode, the database shared by every instance (SharedConfigStore in shared-store.ts).
 */
export interface ConfigStore {
  /** where the config lives, for messages */
  readonly path: string;
  current(): AppConfig;
  configError(): string | null;
  update(change: (current: AppConfig) => AppConfig, options?: UpdateOptions): Promise<AppConfig>;
}

export interface UpdateOptions {
  /** PUT /api/config: the only change allowed while the file on disk is broken */
  readonly replace?: boolean;
  /** sees the validated result and may refuse it (rules for writes only, e.g. secret binding) */
  readonly check?: (next: AppConfig, current: AppConfig) => FieldError[];
}

export class FileConfigStore implements ConfigStore {
  private config: AppConfig;
  private signature?: FileSignature;
  private error: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  /** Loads the file, creating it from `defaults` when it does not exist. Throws when the path is unusable. */
  constructor(
    readonly path: string,
    defaults: () => AppConfig,
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.config = { providers: [], routing: { mode: 'smart', sandbox: false, rules: [] }, version: 0 };
    let exists = true;
    try {
      statSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      exists = false;
    }
    if (exists) {
      // Unreadable at start (a directory, no permission) is a startup error; a file that reads but does not
      // parse or validate is reported by configError() and can be replaced through the API.
      readFileSync(path);
      this.reload();
    } else this.writeFile(defaults());
  }

  /** The config in force; a hand edit on disk is picked up here (stat only, unless the file changed). */
  current(): AppConfig {
    let sig: FileSignature;
    try {
      const s = statSync(this.path);
      sig = { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
    } catch {
      return this.config; // deleted or unreadable for a moment: keep serving the last good config
    }
    if (!sameSignature(this.signature, sig)) this.reload(sig);
    return this.config;
  }

  /** Why the file on disk is not in force, or null when it is. */
  configError(): string | null {
    this.current();
    return this.error;
  }

  /**
   * Applies `change` to the current config and writes it. Writes are serialized; `replace` (PUT /api/config)
   * is the only change allowed while the file on disk is broken. `check` sees the validated result and may
   * refuse it.
   */
  update(
    change: (current: AppConfig) => AppConfig,
    { replace = false, check }: UpdateOptions = {},
  ): Promise<AppConfig> {
    const run = this.queue.then(() => {
      const base = this.current();
      if (this.error && !replace) {
        throw new ConfigConflictError(`config.json on disk is invalid (${this.error}); fix it or replace it with PUT /api/config`);
      }
      const next = change(base);
      const { config, errors } = validateConfig({ ...next, version: base.version + 1 });
      if (!config) throw new ConfigValidationError(errors);
      // Rules for writes only (secret binding): the file on disk is checked again where providers are built.
      const refused = check?.(config, base) ?? [];
      if (refused.length) throw new ConfigValidationError(refused);
      this.writeFile(config);
      return config;
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private reload(sig?: FileSignature): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
      sig ??= this.statSignature();
    } catch (err) {
      this.fail(`cannot read ${this.path}: ${(err as Error).message}`);
      return;
    }
    this.signature = sig;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      this.fail(`${basename(this.path)} is not valid JSON: ${describeJsonError(err as Error, text)}`);
      return;
    }
    const { config, errors } = validateConfig(parsed);
    if (!config) {
      this.fail(`${basename(this.path)} is invalid: ${errors.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; ')}`);
      return;
    }
    this.config = config;
    this.error = null;
  }

  private fail(message: string): void {
    if (message !== this.error) this.onError(message);
    this.error = message;
  }

  private statSignature(): FileSignature {
    const s = statSync(this.path);
    return { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
  }

  /**
   * temp file + fsync + rename + fsync of the directory: a reader sees the old file or the new one, never half
   * of one, and once this returns the rename itself survives a power cut.
   */
  private writeFile(config: AppConfig): void {
    const tmp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(config, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    syncDirectory(dirname(this.path));
    this.config = config;
    this.error = null;
    this.signature = this.statSignature();
  }
}

/** The rename is an entry in the directory: durable only once the directory is synced too. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    // Some file systems cannot sync a directory (EINVAL/EISDIR/EPERM); the write itself has succeeded.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'EACCES', 'ENOTSUP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `new ConfigStore(path, …)` opens the file, as it always has. */
export const ConfigStore = FileConfigStore;
