// The one HTTP client: adds the bearer token, reads JSON, turns failures into ApiError.
import { authHeader } from './token';
import type { ValidationIssue } from './types';

export interface ApiResponse {
  readonly status: number;
  readonly ok: boolean;
  /** parsed JSON, or the text when the body is not JSON */
  readonly body: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** The 422 issue list, when there is one. */
  get issues(): readonly ValidationIssue[] {
    const detail = (this.body as { detail?: unknown } | null)?.detail;
    return Array.isArray(detail) ? (detail as ValidationIssue[]) : [];
  }
}

type UnauthorizedHandler = (info: { hadToken: boolean }) => void;
let unauthorized: UnauthorizedHandler = () => {};
export function onUnauthorized(fn: UnauthorizedHandler): void {
  unauthorized = fn;
}

let networkDown: () => void = () => {};
/** Told when a request gets no answer at all (server down), so a banner can say so at once. */
export function onNetworkDown(fn: () => void): void {
  networkDown = fn;
}

export const NETWORK_DOWN = 'Cannot reach the ProtoPost API. Is the server running?';

/** Any request; resolves for every HTTP status, rejects (status 0) only when the network fails. */
export async function call(method: string, path: string, body?: unknown, token?: string | null): Promise<ApiResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeader(token === undefined ? undefined : token) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    networkDown();
    throw new ApiError(0, NETWORK_DOWN);
  }
  const text = await res.text().catch(() => '');
  let parsed: unknown = text;
  if (text && (res.headers.get('content-type') ?? '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (res.status === 401 && token === undefined) unauthorized({ hadToken: Boolean(headers.authorization) });
  return { status: res.status, ok: res.ok, body: parsed };
}

/** A request that must succeed: the parsed body, or an ApiError with a readable message. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await call(method, path, body);
  if (!res.ok) throw new ApiError(res.status, errorMessage(res.status, res.body), res.body);
  return res.body as T;
}

export const get = <T>(path: string): Promise<T> => api<T>('GET', path);

/** The human message in any error body the API sends. */
export function errorMessage(status: number, body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (Array.isArray(detail)) return detail.map((i: ValidationIssue) => `${fieldName(i.loc)}: ${i.msg}`).join('; ');
  if (detail && typeof detail === 'object' && 'message' in detail) return String((detail as { message: unknown }).message);
  if (typeof detail === 'string') return detail;
  const message = (body as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  if (status === 401) return 'Unauthorized: this server needs an access token.';
  if (status === 404) return 'Not found (HTTP 404).';
  if (status >= 500) return `The server failed (HTTP ${status}).`;
  return `Request failed (HTTP ${status}).`;
}

/** ["body","to",0] → "to[0]" */
export function fieldName(loc: readonly (string | number)[]): string {
  const parts = loc[0] === 'body' || loc[0] === 'query' || loc[0] === 'path' ? loc.slice(1) : loc;
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('') || 'request';
}

export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
