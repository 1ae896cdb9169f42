// The Resend drop-in: POST /emails, POST /emails/batch, GET /emails/{id}, POST /emails/{id}/cancel, with
// Resend's answers (`{id}`, `{data:[{id}]}`) and errors `{statusCode, name, message}` (resend-node
// src/interfaces.ts RESEND_ERROR_CODE_KEY). The id is ProtoPost's log id, so `emails.get(id)` works.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { createMessage } from '../../core/message.js';
import { submitBatch } from '../../dispatch-batch.js';
import type { DispatchResult } from '../../dispatch.js';
import { bearerOf } from '../../http/auth.js';
import { idempotencyKeyOf, withIdempotency } from '../../http/idempotency.js';
import type { HttpAnswer } from '../../http/send-response.js';
import { MAX_BATCH } from '../../http/routes/send-batch.js';
import { failureSummary } from '../../dispatch.js';
import type { LogDetail } from '../../core/email-log.js';
import { callerOf, dropinConfig, DropinFailure, INTERNAL_MESSAGE, invalid, registerDropin, schemaProblems, suppressedFailure, type Dialect, type DropinDeps, type Failure, type Problem } from '../edge.js';
import { fromResend, ResendEmail } from './translate.js';

const error = (statusCode: number, name: string, message: string) => ({ status: statusCode, body: { statusCode, name, message } });

const describe = (problems: readonly Problem[]) => problems.map((p) => (p.field ? `\`${p.field}\`: ${p.msg}` : p.msg)).join('; ');

export const resendDialect: Dialect = {
  source: 'resend',
  credential: bearerOf,
  render(f: Failure) {
    switch (f.kind) {
      case 'unauthorized':
        return f.presented ? error(403, 'invalid_api_key', 'API key is invalid') : error(401, 'missing_api_key', 'Missing API key in the authorization header');
      case 'forbidden':
        return error(403, 'restricted_api_key', f.msg);
      case 'invalid': {
        const missing = f.problems.find((p) => p.type === 'missing');
        if (f.problems.some((p) => p.field.startsWith('Idempotency-Key'))) return error(400, 'invalid_idempotency_key', describe(f.problems));
        if (missing && f.problems.length === 1) return error(422, 'missing_required_field', describe(f.problems));
        if (f.problems.every((p) => /(^|\.)attachments\[/.test(p.field))) return error(422, 'invalid_attachment', describe(f.problems));
        return error(422, 'validation_error', describe(f.problems));
      }
      case 'malformed':
        return error(400, 'validation_error', f.msg);
      case 'too_large':
        return error(413, 'validation_error', 'Request body too large: the limit is 10485760 bytes (10 MiB)');
      case 'conflict':
        return error(409, /still being processed/.test(f.msg) ? 'concurrent_idempotent_requests' : 'invalid_idempotent_request', f.msg);
      case 'not_found':
        return error(404, 'not_found', f.msg);
      case 'unavailable':
        return error(503, 'application_error', f.msg);
      case 'delivery_failed':
        return error(500, 'application_error', f.msg);
      case 'internal':
        return error(500, 'internal_server_error', INTERNAL_MESSAGE);
    }
  },
};

/** A dispatch outcome as Resend's answer: the log id for anything accepted, an error for the rest. */
function toResendAnswer(r: DispatchResult): HttpAnswer {
  const e = failureOf(r);
  if (e) {
    const { status, body } = resendDialect.render(e);
    return { status, body: JSON.stringify(body) };
  }
  return { status: 200, body: JSON.stringify({ id: String((r as { logId: number }).logId) }) };
}

function failureOf(r: DispatchResult): Failure | undefined {
  if (r.kind === 'suppressed') return suppressedFailure(r);
  if (r.kind === 'unavailable') return { kind: 'unavailable', msg: 'No active email providers configured behind this gateway' };
  if (r.kind === 'failed') return { kind: 'delivery_failed', msg: `All email providers failed (log ${r.logId}): ${failureSummary(r.errors)}` };
  return undefined;
}

/** ProtoPost's statuses as Resend's `last_event`. */
const LAST_EVENT: Record<LogDetail['status'], string> = {
  queued: 'queued',
  sending: 'queued',
  scheduled: 'scheduled',
  canceled: 'canceled',
  success: 'sent',
  sandbox: 'sent',
  failed: 'failed',
};

const toResendEmail = (d: LogDetail) => ({
  object: 'email',
  id: String(d.id),
  to: d.to_addresses,
  from: d.from_address,
  created_at: d.timestamp,
  subject: d.subject,
  html: d.body_html,
  text: d.body_text,
  cc: d.cc.length ? d.cc : null,
  bcc: d.bcc.length ? d.bcc : null,
  reply_to: d.reply_to ? [d.reply_to] : null,
  last_event: LAST_EVENT[d.status],
  scheduled_at: d.send_at,
  message_id: d.message_id,
  tags: Object.entries(d.tags).map(([name, value]) => ({ name, value })),
});

const IdParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
const logIdOf = (id: string): number => {
  if (!/^[1-9]\d{0,15}$/.test(id)) throw new DropinFailure({ kind: 'not_found', msg: 'Email not found' });
  return Number(id);
};

export function resendRoutes(app: FastifyInstance, deps: DropinDeps): void {
  registerDropin(app, deps, resendDialect, (scope) => {
    // The SDK's `emails.cancel()` posts no body with a JSON Content-Type: empty is no body here, not an error.
    const json = scope.getDefaultJsonParser('error', 'error');
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
      body === '' ? done(null, undefined) : json(req, body as string, done),
    );
    scope.post<{ Body: ResendEmail }>('/emails', { config: dropinConfig(), schema: { tags: ['drop-in: resend'], summary: 'Resend: send an email', body: ResendEmail }, attachValidation: true }, async (req, reply) => {
      const problems = schemaProblems(req);
      if (problems.length) throw invalid(problems);
      const t = fromResend(req.body);
      if (t.problems.length) throw invalid(t.problems);
      const idempotencyKey = idempotencyKeyOf(req.headers['idempotency-key']);
      const send = async (onStored?: (logId: number) => void) =>
        toResendAnswer(await deps.dispatcher.submit(createMessage(t.input), { source: 'resend', apiKey: callerOf(req), sendAt: t.sendAt, idempotencyKey, onStored }));
      const answer = idempotencyKey ? await withIdempotency(deps.idempotency, deps.lease, idempotencyKey, req.body, send) : await send();
      return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
    });

    const BatchBody = Type.Array(ResendEmail, { minItems: 1, maxItems: MAX_BATCH });
    scope.post<{ Body: ResendEmail[] }>(
      '/emails/batch',
      { config: dropinConfig(), schema: { tags: ['drop-in: resend'], summary: 'Resend: send up to 100 emails (queued; each routed on its own)', body: BatchBody }, attachValidation: true },
      async (req, reply) => {
        const problems = schemaProblems(req);
        if (problems.length) throw invalid(problems);
        const mode = String(req.headers['x-batch-validation'] ?? 'strict');
        if (mode !== 'strict') throw invalid([{ field: 'x-batch-validation', msg: 'Only strict batch validation is supported: the batch is accepted or refused whole', type: 'value_error' }]);
        const translated = req.body.map((e, i) => fromResend(e, `[${i}].`));
        // As in Resend's batch API: no attachments, no scheduling.
        req.body.forEach((e, i) => {
          if (e.attachments) translated[i].problems.push({ field: `[${i}].attachments`, msg: 'Attachments are not supported in batch emails', type: 'value_error' });
          if (e.scheduled_at) translated[i].problems.push({ field: `[${i}].scheduled_at`, msg: 'scheduled_at is not supported in batch emails', type: 'value_error' });
        });
        const all = translated.flatMap((t) => t.problems);
        if (all.length) throw invalid(all);
        const idempotencyKey = idempotencyKeyOf(req.headers['idempotency-key']);
        const items = translated.map((t) => ({ message: createMessage(t.input) }));
        // Queued, as Resend's batch is: the queue retries transient failures of each email on its own.
        const send = async (): Promise<HttpAnswer> => {
          const results = await submitBatch(deps.dispatcher, items, { source: 'resend', apiKey: callerOf(req), async: true, idempotencyKey });
          if (results === 'unavailable') return toResendAnswer({ kind: 'unavailable' });
          return { status: 200, body: JSON.stringify({ data: results.map((r) => ({ id: String((r as { logId: number }).logId) })) }) };
        };
        const answer = idempotencyKey ? await withIdempotency(deps.idempotency, deps.lease, idempotencyKey, req.body, send) : await send();
        return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
      },
    );

    scope.get<{ Params: { id: string } }>('/emails/:id', { config: dropinConfig('read'), schema: { tags: ['drop-in: resend'], summary: 'Resend: retrieve an email', params: IdParams } }, async (req) => {
      const detail = await deps.log.get(logIdOf(req.params.id));
      if (!detail) throw new DropinFailure({ kind: 'not_found', msg: 'Email not found' });
      return toResendEmail(detail);
    });

    scope.post<{ Params: { id: string } }>('/emails/:id/cancel', { config: dropinConfig(), schema: { tags: ['drop-in: resend'], summary: 'Resend: cancel a scheduled email', params: IdParams } }, async (req) => {
      const id = logIdOf(req.params.id);
      const result = await deps.dispatcher.cancel(id);
      if (result === 'not_found') throw new DropinFailure({ kind: 'not_found', msg: 'Email not found' });
      if (result === 'not_scheduled') throw invalid([{ field: '', msg: 'Only scheduled emails can be canceled', type: 'value_error' }]);
      return { object: 'email', id: String(id) };
    });
  });
}
