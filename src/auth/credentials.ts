// Who is calling: AUTH_TOKEN (every right) or an API key (one scope). Shared by HTTP and SMTP, so both
// authenticate and check scopes the same way.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKey, ApiKeyStore, KeyScope } from '../store/api-keys.js';

/** What a route needs: a key scope, the token itself (key management), any valid credential, or nothing (health). */
export type RouteScope = KeyScope | 'token' | 'any' | 'public';

export type Principal =
  | { readonly kind: 'token'; readonly name: 'AUTH_TOKEN' }
  | { readonly kind: 'key'; readonly name: string; readonly scope: KeyScope; readonly id: number };

export const SECRET_PREFIX = 'pp_';
/** `pp_` + base64url of 32 bytes; anything longer cannot be a key, so it is not hashed */
const MAX_SECRET_LENGTH = 200;
/** last_used_at is written at most this often per key, so the send path does not write on every request */
export const TOUCH_INTERVAL_MS = 60_000;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares digests, so neither the length nor a prefix of the token leaks through timing. */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

/**
 * A fast hash is enough here: the secret is 256 random bits, so there is no dictionary to try and a
 * brute force of the hash is as hopeless as one of the secret (slow password hashes exist to stretch
 * low-entropy human passwords). It also lets the key be found by an indexed equality lookup on the hash:
 * timing there reveals at most something about a hash, never about the secret.
 */
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

export const principalName = (p: Principal | null | undefined): string | null => p?.name ?? null;

/** Whether a principal may call a route of the given scope. */
export function allows(p: Principal, scope: RouteScope): boolean {
  if (scope === 'public' || scope === 'any' || p.kind === 'token') return true;
  if (scope === 'token') return false;
  return p.scope === 'admin' || p.scope === scope;
}

export const scopeRefusal = (p: Principal) => `This key's scope (${p.kind === 'key' ? p.scope : 'token'}) does not allow this request`;

export class Credentials {
  /** key id → when last_used_at was last written (epoch ms) */
  private readonly touched = new Map<number, number>();

  constructor(
    readonly token: string | undefined,
    private readonly keys: ApiKeyStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Auth applies only once AUTH_TOKEN is set; before that every request is anonymous and allowed. */
  get required(): boolean {
    return Boolean(this.token);
  }

  /** The principal a presented secret stands for, or undefined when it is none (unknown or deleted key). */
  async resolve(secret: string | undefined): Promise<Principal | undefined> {
    if (!this.token || secret === undefined) return undefined;
    if (tokenMatches(this.token, secret)) return { kind: 'token', name: 'AUTH_TOKEN' };
    if (!secret.startsWith(SECRET_PREFIX) || secret.length > MAX_SECRET_LENGTH) return undefined;
    return this.resolveHash(hashSecret(secret));
  }

  /** Looked up every time (one indexed read), not cached: a deleted key fails at once on every instance. */
  async resolveHash(hash: string): Promise<Principal | undefined> {
    const key = await this.keys.findByHash(hash);
    if (!key) return undefined;
    this.touch(key);
    return { kind: 'key', name: key.name, scope: key.scope, id: key.id };
  }

  private touch(key: ApiKey): void {
    const now = this.now();
    if (now - (this.touched.get(key.id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.touched.set(key.id, now);
    // Best effort and off the request's path: a failed bookkeeping write must not fail the request.
    this.keys.touch(key.id, new Date(now).toISOString()).catch(() => this.touched.delete(key.id));
  }

  forget(id: number): void {
    this.touched.delete(id);
  }
}
