// The benchmark message: a valid POST /api/send body of 1 KB (1024 bytes of JSON), like a typical
// transactional email (one recipient, subject, short text and HTML bodies, a tag).
export const SEND_HEADERS = { 'content-type': 'application/json' };

function build(size: number): string {
  const base = {
    from: 'Bench Sender <sender@bench.test>',
    to: ['Recipient <rcpt@bench.test>'],
    subject: 'Your order #12345 has shipped',
    body_text: '',
    body_html: '<p>Hello,</p><p>your order is on its way.</p>',
    tags: { category: 'bench' },
  };
  const filler = 'Thanks for your order. It left our warehouse today and should arrive within three working days. ';
  let text = '';
  while (JSON.stringify({ ...base, body_text: text }).length < size) text += filler;
  text = text.slice(0, text.length - (JSON.stringify({ ...base, body_text: text }).length - size));
  const body = JSON.stringify({ ...base, body_text: text });
  if (Buffer.byteLength(body) !== size) throw new Error(`message is ${Buffer.byteLength(body)} bytes, not ${size}`);
  return body;
}

export const MESSAGE_1KB = build(1024);

/** log_id from a gateway send response body (a regex: cheaper than JSON.parse in the load client's loop). */
export function logIdOf(body: string): number | undefined {
  const m = /"log_id":(\d+)/.exec(body);
  return m ? Number(m[1]) : undefined;
}
