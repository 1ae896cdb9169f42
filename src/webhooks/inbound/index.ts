// Inbound webhook receivers by provider type: one per provider that sends delivery events.
import type { InboundScheme } from './scheme.js';
import { resendInbound } from './resend.js';
import { sendgridInbound } from './sendgrid.js';
import { postmarkInbound } from './postmark.js';
import { mailgunInbound } from './mailgun.js';
import { sesInbound } from './ses.js';
import { brevoInbound } from './brevo.js';
import { mailtrapInbound } from './mailtrap.js';

const schemes = new Map<string, InboundScheme>(
  [resendInbound, sendgridInbound, postmarkInbound, mailgunInbound, sesInbound, brevoInbound, mailtrapInbound].map((s) => [s.type, s]),
);

export const inboundScheme = (type: string): InboundScheme | undefined => schemes.get(type);
