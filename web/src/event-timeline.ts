// An email's provider delivery events (delivered, bounced, opened…), in the provider's order of time.
import { h } from './dom';
import { fmtTime } from './format';
import type { DeliveryEvent } from './types';

const TONE: Record<string, string> = {
  delivered: 'success', opened: 'success', clicked: 'success', sent: 'muted',
  deferred: 'warn', bounced: 'failed', complained: 'failed', rejected: 'failed', unsubscribed: 'warn',
};

export function eventTimeline(events: readonly DeliveryEvent[]): HTMLElement {
  if (events.length === 0) return h('p', { class: 'muted' }, 'No provider events yet (point the provider\'s webhook at /webhooks/<provider id>).');
  return h(
    'ol',
    { class: 'timeline events-timeline' },
    events.map((e) =>
      h(
        'li',
        { class: 'tl-item', 'data-event': e.type },
        h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
        h(
          'div',
          { class: 'tl-body' },
          h('p', { class: 'tl-title' }, h('span', { class: `badge badge-${TONE[e.type] ?? 'muted'}` }, e.bounce_type ? `${e.type} (${e.bounce_type})` : e.type), ' ', h('span', {}, e.recipient)),
          h('p', { class: 'muted small' }, `${fmtTime(e.occurred_at)} · ${e.provider_id}`),
          e.detail ? h('p', { class: 'small' }, e.detail) : null,
          e.url ? h('p', { class: 'small muted' }, e.url) : null,
        ),
      ),
    ),
  );
}

/** The delivery status as a small badge, or nothing. */
export function deliveryBadge(status: string | null | undefined): HTMLElement | null {
  return status ? h('span', { class: `badge badge-${TONE[status] ?? 'muted'}`, 'data-delivery': status, title: 'Latest provider delivery event' }, status) : null;
}
