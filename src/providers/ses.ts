// Amazon SES v2 SendEmail: POST {base_url}/v2/email/outbound-emails, SigV4 with signing name `ses`.
// Reference: https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html (request/response, 200 {MessageId}),
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Attachment.html (Content.Simple.Attachments),
// boto/botocore botocore/data/sesv2/2019-09-27/service-2.json (signingName "ses", endpoint prefix "email",
// error shapes with their HTTP statuses); errors carry their type in the X-Amzn-ErrorType header (or `__type`) and the text in `message`;
// errors common to all AWS APIs (ThrottlingException is a 400, auth failures 403): https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html;
// verify: GET /v2/email/account
// (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html).
import { domainToASCII } from 'node:url';
import type { SignatureV4 } from '@smithy/signature-v4';
import { formatAddress, type Address, type Message } from '../core/message.js';
import type { ProviderConfig, ProviderContext, ProviderDefinition, VerifyResult } from '../core/provider.js';
import { callApi, joinUrl, sendViaApi, type ApiResponse } from '../core/http-api.js';
import { errorToFailure, fail, httpFailure, type DeliveryFailure } from '../core/receipt.js';

/** RFC 2047 encoded-words of ≤45 bytes each, so that each word stays under the 75-character limit. */
function encodeWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(' ');
}

/**
 * SES wants ASCII addresses: a non-ASCII display name as MIME encoded-words, the domain in punycode
 * (the SendEmail reference, FromEmailAddress/Destination).
 */
export function sesAddress(a: Address): string {
  const at = a.address.lastIndexOf('@');
  const address = a.address.slice(0, at + 1) + (domainToASCII(a.address.slice(at + 1)) || a.address.slice(at + 1));
  if (!a.name) return address;
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a.name)) return formatAddress({ address, name: a.name });
  return `${encodeWords(a.name)} <${address}>`;
}

/** SES tag names and values allow only ASCII letters, digits, `_` and `-`, ≤256 chars. */
const tagSafe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) || '_';

export function toSesPayload(m: Message, configurationSet?: string): Record<string, unknown> {
  const utf8 = (Data: string) => ({ Data, Charset: 'UTF-8' });
  const destination: Record<string, string[]> = { ToAddresses: m.to.map(sesAddress) };
  if (m.cc.length) destination.CcAddresses = m.cc.map(sesAddress);
  if (m.bcc.length) destination.BccAddresses = m.bcc.map(sesAddress);

  const body: Record<string, unknown> = {};
  if (m.text) body.Text = utf8(m.text);
  if (m.html) body.Html = utf8(m.html);
  const simple: Record<string, unknown> = { Subject: utf8(m.subject), Body: body };
  const headers = Object.entries(m.headers);
  if (headers.length) simple.Headers = headers.map(([Name, Value]) => ({ Name, Value }));
  if (m.attachments.length) {
    simple.Attachments = m.attachments.map((a) => ({
      FileName: a.filename,
      RawContent: a.content,
      ContentType: a.contentType,
      ContentDisposition: a.contentId ? 'INLINE' : 'ATTACHMENT',
      ...(a.contentId ? { ContentId: a.contentId } : {}),
    }));
  }

  const p: Record<string, unknown> = {
    FromEmailAddress: sesAddress(m.from),
    Destination: destination,
    Content: { Simple: simple },
  };
  if (m.replyTo) p.ReplyToAddresses = [sesAddress(m.replyTo)];
  const tags = Object.entries(m.tags);
  if (tags.length) p.EmailTags = tags.map(([name, value]) => ({ Name: tagSafe(name), Value: tagSafe(value) }));
  if (configurationSet) p.ConfigurationSetName = configurationSet;
  return p;
}

/** The AWS error type, from `X-Amzn-ErrorType: Type:uri` or a body `__type` like `ns#Type`. */
export function sesErrorType(res: ApiResponse): string | undefined {
  const raw = res.headers.get('x-amzn-errortype') ?? res.json?.__type ?? res.json?.code ?? res.json?.Code;
  if (!raw) return undefined;
  return String(raw).split(':')[0].split('#').pop() || undefined;
}

const errorText = (res: ApiResponse): string | undefined => {
  const type = sesErrorType(res);
  const message: string | undefined = res.json?.message ?? res.json?.Message;
  if (type && message) return `${type}: ${message}`;
  return type ?? message;
};

// Throttling and quota windows pass with time; the rest need a person (or a different message) to change.
// SendingPausedException is permanent: sending stays paused until someone re-enables it.
const TRANSIENT_TYPES = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
  'ConcurrentModificationException',
  'InternalServiceErrorException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const PERMANENT_TYPES = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'SendingPausedException',
  'BadRequestException',
  'NotFoundException',
  'ValidationError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'AccessDeniedException',
  'NotAuthorized',
  'OptInRequired',
  'ExpiredTokenException',
  'RequestExpired',
]);

/** Keys the class on the AWS error type; falls back to the status for types not listed. */
function classify(res: ApiResponse): DeliveryFailure | undefined {
  const type = sesErrorType(res);
  if (!type || !(TRANSIENT_TYPES.has(type) || PERMANENT_TYPES.has(type))) return undefined;
  const failure = httpFailure(res.status, errorText(res) ?? type, res.headers.get('retry-after'));
  return { ...failure, class: TRANSIENT_TYPES.has(type) ? 'transient' : 'permanent' };
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export const ses: ProviderDefinition = {
  type: 'ses',
  label: 'Amazon SES',
  // The real default depends on the region: https://email.{region}.amazonaws.com.
  defaultBaseUrl: 'https://email.{region}.amazonaws.com',
  // PROVIDERS.md (SES v2): 50 recipients per message (To+Cc+Bcc).
  recipientLimit: { max: 50, per: 'message' },
  fields: [
    { name: 'access_key_id', kind: 'string', required: true, label: 'Access key ID', help: 'An IAM access key allowed ses:SendEmail (and ses:GetAccount for "verify").' },
    { name: 'secret_access_key', kind: 'string', required: true, secret: true, label: 'Secret access key' },
    { name: 'region', kind: 'string', required: true, default: 'us-east-1', label: 'Region', help: 'The SES region where the sender identity is verified, e.g. eu-west-1.' },
    { name: 'configuration_set', kind: 'string', label: 'Configuration set', help: 'Optional SES configuration set name (event publishing, IP pools).' },
  ],
  create(config: ProviderConfig, ctx: ProviderContext) {
    const region = String(config.region ?? '');
    const base = (config.base_url as string | undefined) ?? ses.defaultBaseUrl!.replace('{region}', region);
    const configurationSet = typeof config.configuration_set === 'string' && config.configuration_set ? config.configuration_set : undefined;
    // The signer's modules load on first use: start-up does not pay for a provider that may not be configured.
    let signer: Promise<SignatureV4> | undefined;
    const signerReady = () =>
      (signer ??= Promise.all([import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')]).then(
        ([{ SignatureV4 }, { Sha256 }]) =>
          new SignatureV4({
            service: 'ses',
            region,
            credentials: { accessKeyId: String(config.access_key_id ?? ''), secretAccessKey: String(config.secret_access_key ?? '') },
            sha256: Sha256,
          }),
      ));
    const configError = !REGION.test(region) && !config.base_url ? `invalid SES region "${region}"` : undefined;

    /** Signs a request; `host` is signed but left to fetch to send (it derives the same value from the URL). */
    async function signed(method: string, path: string, body?: string): Promise<{ url: string; headers: Record<string, string> }> {
      const url = new URL(joinUrl(base, path));
      const headers: Record<string, string> = { host: url.host, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const req = await (await signerReady()).sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: {},
        headers,
        body,
      });
      const { host: _host, ...rest } = req.headers;
      return { url: url.toString(), headers: rest };
    }

    return {
      id: config.id,
      name: config.name,
      type: config.type,
      // SES v2 has no idempotency key, so SendOptions.idempotencyKey is not sent.
      async send(message, { signal }) {
        if (configError) return fail({ code: 'config', class: 'permanent', message: configError });
        const body = JSON.stringify(toSesPayload(message, configurationSet));
        let req: { url: string; headers: Record<string, string> };
        try {
          req = await signed('POST', '/v2/email/outbound-emails', body);
        } catch (err) {
          return fail({ code: 'config', class: 'permanent', message: `could not sign the request: ${(err as Error).message}` });
        }
        return sendViaApi(ctx, { ...req, body, signal }, (res) => res.json?.MessageId ?? null, errorText, classify);
      },
      // GetAccount reads the account's sending status in this region: signed, sends nothing.
      async verify(signal): Promise<VerifyResult> {
        let checked = `GET ${joinUrl(base, '/v2/email/account')} signed with SigV4 (ses, ${region})`;
        if (configError) return { ok: false, checked, error: configError };
        try {
          const req = await signed('GET', '/v2/email/account');
          const res = await callApi(ctx, { ...req, method: 'GET', signal });
          if (res.status < 200 || res.status >= 300) {
            return { ok: false, checked, error: `HTTP ${res.status}: ${errorText(res) ?? 'request refused'}` };
          }
          if (res.json?.SendingEnabled === false) return { ok: false, checked, error: 'sending is disabled for this account in this region' };
          if (res.json?.ProductionAccessEnabled === false) checked += '; the account is in the SES sandbox (verified recipients only)';
          return { ok: true, checked };
        } catch (err) {
          return { ok: false, checked, error: errorToFailure(err, signal.aborted).message };
        }
      },
    };
  },
};
