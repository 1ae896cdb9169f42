// A Message as RFC 5322 source, composed by nodemailer (the same composer the SMTP providers use).
import { formatAddress, type Attachment, type Message } from './message.js';

/** nodemailer's attachment: an inline part keeps its Content-ID (`cid`), so `cid:` references in the HTML resolve. */
export const toNodemailerAttachment = (a: Attachment) => ({
  filename: a.filename,
  content: a.content,
  encoding: 'base64',
  contentType: a.contentType,
  ...(a.contentId ? { cid: a.contentId, contentDisposition: 'inline' as const } : {}),
});

export async function toRfc822(m: Message): Promise<Buffer> {
  if (m.raw) return m.raw;
  // Loaded on first use: only the raw view needs it.
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer/index.js');
  const mail = new MailComposer({
    from: formatAddress(m.from),
    to: m.to.map(formatAddress),
    cc: m.cc.map(formatAddress),
    replyTo: m.replyTo ? formatAddress(m.replyTo) : undefined,
    subject: m.subject,
    text: m.text,
    html: m.html,
    headers: { ...m.headers },
    attachments: m.attachments.map(toNodemailerAttachment),
  });
  return mail.compile().build();
}
