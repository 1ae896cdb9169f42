// Every delivery attempt of one email, in order.
import { h } from './dom';
import { fmtMs, fmtTime } from './format';
import type { Attempt } from './types';

export function attemptTimeline(attempts: readonly Attempt[]): HTMLElement {
  if (attempts.length === 0) return h('p', { class: 'muted' }, 'None yet: sandboxed and queued email has not been handed to a provider.');
  return h(
    'ol',
    { class: 'timeline' },
    attempts.map((a, i) =>
      h(
        'li',
        { class: a.ok ? 'tl-item tl-ok' : 'tl-item tl-fail' },
        h('span', { class: 'tl-dot', 'aria-hidden': 'true' }),
        h(
          'div',
          { class: 'tl-body' },
          h(
            'p',
            { class: 'tl-title' },
            h('strong', {}, `${i + 1}. ${a.provider_name ?? a.provider_id ?? 'unknown provider'}`),
            a.provider_type ? h('span', { class: 'muted' }, ` (${a.provider_type})`) : null,
            ' ',
            h('span', { class: a.ok ? 'badge badge-success' : 'badge badge-failed' }, a.ok ? 'Delivered' : 'Failed'),
            a.error_class ? h('span', { class: `badge badge-${a.error_class === 'transient' ? 'warn' : 'muted'}` }, a.error_class) : null,
          ),
          h('p', { class: 'muted small' }, `${fmtTime(a.started_at)} · ${fmtMs(a.duration_ms)}`),
          a.error ? h('p', { class: 'error-text small' }, a.error) : null,
        ),
      ),
    ),
  );
}
