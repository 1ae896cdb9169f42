// What every provider's inbound webhook receiver shares: the contract, constant-time checks, the
// timestamp window, JSON reading and the builder that turns provider fields into one normalised event.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FieldSpec, ProviderConfig } from '../../core/provider.js';
import type { HttpClient } from '../../core/http-client.js';
import { messageKey, type BounceType, type EventType, type InboundEvent } from '../../core/delivery-event.js';

/** Signed timestamps further than this from our clock are refused (Resend, SendGrid, Mailgun). */
export const TOLERANCE_MS = 5 * 60_000;
const DETAIL_MAX = 300;

export interface InboundRequest {
  /** lower-case header names, as Node gives them */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** the raw body, exactly as received: every scheme signs bytes, not re-serialised JSON */
  readonly body: Buffer;
}

export interface InboundContext {
  readonly now: () => number;
  /** for SNS certificates and SubscribeURL confirmation */
  readonly fetch: HttpClient;
  /** host[:port] entries besides sns.<region>.amazonaws.com that SNS URLs may name (SNS_CERT_HOSTS; http allowed) */
  readonly snsCertHosts: readonly string[];
}

export type InboundVerdict =
  | { readonly ok: true; readonly events: readonly InboundEvent[]; readonly note?: string }
  | { readonly ok: false; readonly status: 400 | 401 | 403 | 502; readonly reason: string };

/** One provider type's receiver: the config fields it needs and how it verifies and reads a request. */
export interface InboundScheme {
  readonly type: string;
  readonly fields: readonly FieldSpec[];
  /** whether the provider has what verification needs; without it the webhook URL is a 404 */
  configured(provider: ProviderConfig): boolean;
  handle(req: InboundRequest, provider: ProviderConfig, ctx: InboundContext): Promise<InboundVerdict>;
}

export const refuse = (status: 400 | 401 | 403 | 502, reason: string): InboundVerdict => ({ ok: false, status, reason });
export const accept = (events: readonly InboundEvent[], note?: string): InboundVerdict => ({ ok: true, events, note });

export const header = (req: InboundRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Constant-time string equality: both sides hashed to one length first, so neither length nor content leaks. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export const hmacHex = (key: string | Buffer, data: string | Buffer) => createHmac('sha256', key).update(data).digest('hex');

/** A Unix-seconds timestamp (string or number) within the window of `now`. */
export function fresh(seconds: unknown, now: number): boolean {
  const s = typeof seconds === 'string' && /^\d{1,12}(\.\d{1,9})?$/.test(seconds) ? Number(seconds) : seconds;
  return typeof s === 'number' && Number.isFinite(s) && Math.abs(now - s * 1000) <= TOLERANCE_MS;
}

/** `Authorization: Bearer <token>` matches, compared in constant time. */
export function bearerMatches(req: InboundRequest, token: string): boolean {
  const auth = header(req, 'authorization') ?? '';
  return /^bearer /i.test(auth) && safeEqual(auth.slice(7).trim(), token);
}

/** HTTP Basic credentials match, both parts compared in constant time (no short cut on the first). */
export function basicMatches(req: InboundRequest, username: string, password: string): boolean {
  const auth = header(req, 'authorization') ?? '';
  if (!/^basic /i.test(auth) || auth.length > 2048) return false;
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = safeEqual(decoded.slice(0, colon), username);
  const passOk = safeEqual(decoded.slice(colon + 1), password);
  return userOk && passOk;
}

/** The body as JSON, or undefined when it is not JSON (a 400 after a good signature). */
export function parseJson(body: Buffer | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined);

/** A provider time (ISO string, Unix seconds, or Unix ms when `ms`) as ISO 8601 UTC; `fallback` when unreadable. */
export function isoTime(v: unknown, fallback: number, ms = false): string {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}(\.\d{1,9})?$/.test(v) ? Number(v) : undefined;
  const t = n !== undefined ? (ms ? n : n * 1000) : typeof v === 'string' && v.length <= 64 ? Date.parse(v) : NaN;
  return new Date(Number.isFinite(t) && t > 0 && t < 8.64e15 ? t : fallback).toISOString();
}

/** What a provider says about one event for one recipient; `normalised` fills in the rest. */
export interface RawEvent {
  readonly type: EventType;
  readonly bounceType?: BounceType;
  readonly recipient: unknown;
  readonly messageId: unknown;
  readonly occurredAt: string;
  readonly detail?: unknown;
  readonly url?: unknown;
  /** the provider's own event id when it has one (dedupe) */
  readonly eventId?: unknown;
}

/** `Name <a@b>` or `a@b` → `a@b` (Resend's `to[]` may carry display names). */
function bareAddress(v: string | undefined): string | undefined {
  if (!v || v.length > 998) return undefined;
  const open = v.lastIndexOf('<');
  const addr = open >= 0 && v.trimEnd().endsWith('>') ? v.slice(open + 1, v.trimEnd().length - 1) : v;
  return addr.trim().slice(0, 320) || undefined;
}

/**
 * The stored shape of an event, or undefined when it names no message or recipient. The dedupe key
 * hashes everything that identifies the event, so a provider's retry of it is stored once.
 */
export function normalised(e: RawEvent, providerId: string): InboundEvent | undefined {
  const id = str(e.messageId);
  const recipient = bareAddress(str(e.recipient));
  if (!id || id.length > 998 || !recipient) return undefined;
  const key = messageKey(id);
  const detail = str(e.detail)?.slice(0, DETAIL_MAX) ?? null;
  const url = str(e.url)?.slice(0, 2048) ?? null;
  const bounce_type = e.type === 'bounced' ? (e.bounceType ?? 'hard') : null;
  const dedupe_key = createHash('sha256')
    .update(JSON.stringify([str(e.eventId) ?? '', key, e.type, bounce_type, recipient.toLowerCase(), e.occurredAt]))
    .digest('base64url');
  return { type: e.type, bounce_type, recipient, occurred_at: e.occurredAt, provider_id: providerId, detail, url, message_key: key, dedupe_key };
}

/** Normalises a batch, dropping what names no message or recipient (still a 200: the provider must not retry it). */
export const normaliseAll = (events: readonly (RawEvent | undefined)[], providerId: string): InboundEvent[] =>
  events.flatMap((e) => (e ? (normalised(e, providerId) ?? []) : []));

/** A batch of provider objects (anything else in the list is skipped) through the provider's `toRaw`. */
export const normaliseObjects = (list: readonly unknown[], toRaw: (e: Record<string, any>, now: number) => RawEvent | undefined, now: number, providerId: string) =>
  normaliseAll(list.map((e) => (isObject(e) ? toRaw(e, now) : undefined)), providerId);

/** A parsed key or verifier per configured secret, made once; a bounded cache (configs hold a handful). */
export function memo<T>(cache: Map<string, T | null>, key: string, make: (key: string) => T): T | null {
  let v = cache.get(key);
  if (v === undefined) {
    try {
      v = make(key);
    } catch {
      v = null;
    }
    if (cache.size > 100) cache.clear();
    cache.set(key, v);
  }
  return v;
}

/** Fields a scheme adds to its provider type's config. */
export const secretField = (name: string, label: string, help: string): FieldSpec => ({ name, kind: 'string', secret: true, label, help });
export const plainField = (name: string, label: string, help: string): FieldSpec => ({ name, kind: 'string', label, help });
