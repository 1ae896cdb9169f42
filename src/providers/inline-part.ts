// The `disposition` / `content_id` pair SendGrid and Mailtrap share for attachments and inline images.
import type { Attachment } from '../core/message.js';

export const inlinePart = (a: Attachment): { disposition: 'inline'; content_id: string } | { disposition: 'attachment' } =>
  a.contentId ? { disposition: 'inline', content_id: a.contentId } : { disposition: 'attachment' };
