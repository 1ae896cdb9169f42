// Unit: an inline image (attachment with a Content-ID) as each provider's converter maps it, next to a plain
// attachment, so `cid:` references in the HTML resolve wherever the API supports inline parts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage } from '../../src/core/message.js';
import { toRfc822 } from '../../src/core/rfc822.js';
import { toResendPayload } from '../../src/providers/resend.js';
import { toSendgridPayload } from '../../src/providers/sendgrid.js';
import { toPostmarkPayload } from '../../src/providers/postmark.js';
import { toMailtrapPayload } from '../../src/providers/mailtrap.js';
import { toSesPayload } from '../../src/providers/ses.js';
import { toMailgunPayload } from '../../src/providers/mailgun.js';
import { toBrevoPayload } from '../../src/providers/brevo.js';
import { toMailOptions } from '../../src/providers/smtp.js';

const PNG = 'iVBORw0KGgo=';
const TXT = Buffer.from('notes').toString('base64');
const message = createMessage({
  from: 'a@example.com',
  to: ['b@example.org'],
  subject: 'Inline',
  body_html: '<img src="cid:logo">',
  attachments: [
    { filename: 'logo.png', content: PNG, content_type: 'image/png', content_id: 'logo' },
    { filename: 'notes.txt', content: TXT, content_type: 'text/plain' },
  ],
});

test('createMessage keeps content_id as the attachment contentId', () => {
  assert.equal(message.attachments[0].contentId, 'logo');
  assert.equal('contentId' in message.attachments[1], false);
});

test('JSON APIs: Resend content_id, SendGrid/Mailtrap disposition inline + content_id, Postmark cid:, SES INLINE + ContentId', () => {
  assert.deepEqual(toResendPayload(message).attachments, [
    { filename: 'logo.png', content: PNG, content_type: 'image/png', content_id: 'logo' },
    { filename: 'notes.txt', content: TXT, content_type: 'text/plain' },
  ]);
  const sendgridLike = [
    { content: PNG, filename: 'logo.png', type: 'image/png', disposition: 'inline', content_id: 'logo' },
    { content: TXT, filename: 'notes.txt', type: 'text/plain', disposition: 'attachment' },
  ];
  assert.deepEqual(toSendgridPayload(message).attachments, sendgridLike);
  assert.deepEqual(toMailtrapPayload(message).attachments, sendgridLike);
  assert.deepEqual(toPostmarkPayload(message).Attachments, [
    { Name: 'logo.png', Content: PNG, ContentType: 'image/png', ContentID: 'cid:logo' },
    { Name: 'notes.txt', Content: TXT, ContentType: 'text/plain' },
  ]);
  assert.deepEqual((toSesPayload(message).Content as any).Simple.Attachments, [
    { FileName: 'logo.png', RawContent: PNG, ContentType: 'image/png', ContentDisposition: 'INLINE', ContentId: 'logo' },
    { FileName: 'notes.txt', RawContent: TXT, ContentType: 'text/plain', ContentDisposition: 'ATTACHMENT' },
  ]);
  // Brevo's API has no Content-ID field: the image goes as a plain attachment.
  assert.deepEqual(toBrevoPayload(message).attachment, [
    { content: PNG, name: 'logo.png' },
    { content: TXT, name: 'notes.txt' },
  ]);
});

test('Mailgun: an inline part is an `inline` file field named by its Content-ID, a plain one `attachment`', () => {
  const form = toMailgunPayload(message);
  assert.deepEqual((form.getAll('inline') as File[]).map((f) => f.name), ['logo'], 'named by its Content-ID, which Mailgun uses as the cid');
  assert.deepEqual((form.getAll('attachment') as File[]).map((f) => f.name), ['notes.txt']);
});

test('SMTP (nodemailer): cid on the inline part; the composed MIME carries Content-ID: <logo>', async () => {
  const options = toMailOptions(message);
  assert.equal((options.attachments as any[])[0].cid, 'logo');
  assert.equal((options.attachments as any[])[1].cid, undefined);
  const mime = (await toRfc822(message)).toString();
  assert.match(mime, /Content-ID: <logo>/i);
  assert.match(mime, /multipart\/related/i);
});
