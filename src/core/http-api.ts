// The request/response plumbing every HTTP-API provider shares: send, read, classify.
import type { ProviderContext, VerifyResult } from './provider.js';
import { errorToFailure, fail, httpFailure, type DeliveryFailure, type Receipt } from './receipt.js';

export interface ApiResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly text: string;
  /** parsed JSON body, or undefined when the body is not JSON */
  readonly json: any;
}

export interface ApiRequest {
  readonly url: string;
  readonly method?: string;
  readonly headers: Record<string, string>;
  /** object → JSON; FormData / string sent as is */
  readonly body?: unknown;
  readonly signal: AbortSignal;
}

/** Performs the request; throws only on network failure or abort. */
export async function callApi(ctx: ProviderContext, req: ApiRequest): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'user-agent': ctx.userAgent, accept: 'application/json', ...req.headers };
  let body: string | FormData | undefined;
  if (req.body instanceof FormData || typeof req.body === 'string') body = req.body;
  else if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await ctx.fetch(req.url, { method: req.method ?? 'POST', headers, body, signal: req.signal });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * Sends and turns the outcome into a Receipt: `onSuccess` reads the message id from a 2xx,
 * `errorText` pulls the provider's own error message out of its error shape.
 */
export async function sendViaApi(
  ctx: ProviderContext,
  req: ApiRequest,
  onSuccess: (res: ApiResponse) => string | null,
  errorText: (res: ApiResponse) => string | undefined,
  classify?: (res: ApiResponse) => DeliveryFailure | undefined,
): Promise<Receipt> {
  let res: ApiResponse;
  try {
    res = await callApi(ctx, req);
  } catch (err) {
    return fail(errorToFailure(err, req.signal.aborted));
  }
  if (res.status >= 200 && res.status < 300) return { successful: true, messageId: onSuccess(res) };
  const special = classify?.(res);
  if (special) return fail(special);
  const detail = errorText(res) ?? (res.text.slice(0, 300) || 'no body');
  return fail(httpFailure(res.status, detail, res.headers.get('retry-after')));
}

/** Joins a base URL and a path without doubling or losing the slash. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** A harmless authenticated request (a GET that sends nothing) as a credential check. */
export async function verifyViaApi(
  ctx: ProviderContext,
  req: ApiRequest,
  errorText: (res: ApiResponse) => string | undefined,
): Promise<VerifyResult> {
  const checked = `${req.method ?? 'GET'} ${req.url} with the configured credentials`;
  try {
    const res = await callApi(ctx, { ...req, method: req.method ?? 'GET' });
    if (res.status >= 200 && res.status < 300) return { ok: true, checked };
    return { ok: false, checked, error: `HTTP ${res.status}: ${errorText(res) ?? 'request refused'}` };
  } catch (err) {
    return { ok: false, checked, error: errorToFailure(err, req.signal.aborted).message };
  }
}
