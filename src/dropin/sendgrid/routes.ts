// The SendGrid v3 drop-in: POST /v3/mail/send answers 202 with an empty body and the log id in
// `X-Message-Id`, as SendGrid does; errors are `{"errors":[{message, field, help}]}`
// (https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors). Each personalization is one email,
// queued (SendGrid's 202 means accepted, not delivered): the queue retries transient failures.
import type { FastifyInstance } from 'fastify';
import { createMessage } from '../../core/message.js';
import { submitBatch } from '../../dispatch-batch.js';
import { bearerOf } from '../../http/auth.js';
import { callerOf, dropinConfig, INTERNAL_MESSAGE, invalid, registerDropin, schemaProblems, sendFailure, suppressedFailure, type Dialect, type DropinDeps, type Failure } from '../edge.js';
import { fromSendgrid, SendgridMail } from './translate.js';

const errors = (status: number, list: { message: string; field?: string | null }[]) => ({
  status,
  body: { errors: list.map((e) => ({ message: e.message, field: e.field ?? null, help: null })) },
});

export const sendgridDialect: Dialect = {
  source: 'sendgrid',
  credential: bearerOf,
  render(f: Failure) {
    switch (f.kind) {
      case 'unauthorized':
        return errors(401, [{ message: 'The provided authorization grant is invalid, expired, or revoked' }]);
      case 'forbidden':
        return errors(403, [{ message: f.msg }]);
      case 'invalid':
        return errors(400, f.problems.map((p) => ({ message: p.msg, field: p.field || null })));
      case 'malformed':
        return errors(400, [{ message: f.msg }]);
      case 'too_large':
        return errors(413, [{ message: 'Request body too large: the limit is 10485760 bytes (10 MiB)' }]);
      case 'conflict':
        return errors(409, [{ message: f.msg }]);
      case 'not_found':
        return errors(404, [{ message: f.msg }]);
      case 'unavailable':
        return errors(503, [{ message: f.msg }]);
      case 'delivery_failed':
        return errors(500, [{ message: f.msg }]);
      case 'internal':
        return errors(500, [{ message: INTERNAL_MESSAGE }]);
    }
  },
};

export function sendgridRoutes(app: FastifyInstance, deps: DropinDeps): void {
  registerDropin(app, deps, sendgridDialect, (scope) => {
    scope.post<{ Body: SendgridMail }>(
      '/v3/mail/send',
      { config: dropinConfig(), schema: { tags: ['drop-in: sendgrid'], summary: 'SendGrid v3: send (each personalization one email, queued)', body: SendgridMail }, attachValidation: true },
      async (req, reply) => {
        const problems = schemaProblems(req);
        if (problems.length) throw invalid(problems);
        const t = fromSendgrid(req.body);
        if (t.problems.length) throw invalid(t.problems);
        const items = t.inputs.map(({ input, sendAt }) => ({ message: createMessage(input), sendAt }));
        const results = await submitBatch(deps.dispatcher, items, { source: 'sendgrid', apiKey: callerOf(req), async: true });
        if (results === 'unavailable') return sendFailure(reply, sendgridDialect, { kind: 'unavailable', msg: 'No active email providers configured behind this gateway' });
        const ids = results.map((r) => ('logId' in r ? String(r.logId) : '')).filter(Boolean);
        if (!ids.length && results[0]?.kind === 'suppressed') return sendFailure(reply, sendgridDialect, suppressedFailure(results[0])!);
        return reply.code(202).header('x-message-id', ids[0]).header('x-protopost-log-ids', ids.join(',')).send();
      },
    );
  });
}
