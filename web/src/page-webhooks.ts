// Webhooks: endpoints of the application that receive delivery events, signed per Standard Webhooks.
// The signing secret is shown once, right after creation; each endpoint lists its recent deliveries.
import { api, describeError } from './api';
import { emptyState, field, h, icon, mount, spinner } from './dom';
import { errorView } from './error-view';
import { fmtMs, fmtTime } from './format';
import { ICONS } from './icons';
import { toast } from './toast';
import type { WebhookAttempt, WebhookEndpoint } from './types';

const EVENTS = ['email.sent', 'email.failed', 'email.delivered', 'email.deferred', 'email.bounced', 'email.complained', 'email.opened', 'email.clicked', 'email.suppressed'];

export function renderWebhooks(root: HTMLElement): void {
  const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://app.example.com/hooks/email', maxlength: '2048' });
  const boxes = EVENTS.map((e) => {
    const input = h('input', { type: 'checkbox', name: 'events', value: e });
    input.checked = e !== 'email.opened' && e !== 'email.clicked';
    return h('label', { class: 'check' }, input, ` ${e}`);
  });
  const form = h(
    'form',
    { class: 'webhook-form', 'aria-label': 'Add a webhook' },
    field('Endpoint URL', url),
    h('fieldset', { class: 'checks' }, h('legend', {}, 'Events'), boxes),
    h('button', { type: 'submit', class: 'btn btn-primary' }, icon(ICONS.plus), 'Add webhook'),
  );
  const secretOut = h('div', { class: 'secret-once', 'aria-live': 'polite' });
  const list = h('div', { class: 'webhook-list' });
  mount(root, h('section', { class: 'panel' }, form, secretOut), list);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void create();
  });
  void load();

  async function load(): Promise<void> {
    mount(list, spinner('Loading webhooks…'));
    try {
      const { webhooks } = await api<{ webhooks: WebhookEndpoint[] }>('GET', '/api/webhooks');
      if (!webhooks.length) return mount(list, emptyState('No webhooks', 'Add an endpoint to be told when email is sent, delivered, bounces or is complained about.'));
      mount(list, ...(await Promise.all(webhooks.map(card))));
    } catch (err) {
      mount(list, errorView(err, () => void load()));
    }
  }

  async function card(w: WebhookEndpoint): Promise<HTMLElement> {
    const { deliveries } = await api<{ deliveries: WebhookAttempt[] }>('GET', `/api/webhooks/${encodeURIComponent(w.id)}/deliveries`);
    return h(
      'section',
      { class: 'panel webhook-card', 'data-webhook': w.id },
      h('div', { class: 'detail-head' }, h('div', {}, h('h2', {}, w.url), h('p', { class: 'muted small' }, `${w.events.join(', ')} · since ${fmtTime(w.created_at)}`)),
        h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Delete ${w.url}`, onclick: () => void remove(w) }, icon(ICONS.trash), 'Delete')),
      deliveries.length
        ? h(
            'table',
            { class: 'table deliveries' },
            h('thead', {}, h('tr', {}, ['Time', 'Event', 'Status', 'Duration', 'Result'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, deliveries.slice(0, 20).map((d) =>
              h('tr', { 'data-outcome': d.outcome },
                h('td', { 'data-label': 'Time' }, fmtTime(d.attempted_at)),
                h('td', { 'data-label': 'Event' }, d.event),
                h('td', { 'data-label': 'Status' }, d.status_code === null ? '—' : String(d.status_code)),
                h('td', { 'data-label': 'Duration' }, fmtMs(d.duration_ms)),
                h('td', { 'data-label': 'Result' }, d.outcome, d.error ? h('span', { class: 'muted small' }, ` ${d.error}`) : null)))),
          )
        : h('p', { class: 'muted' }, 'No deliveries yet.'),
    );
  }

  async function create(): Promise<void> {
    const events = boxes.map((b) => b.querySelector('input')!).filter((i) => i.checked).map((i) => i.value);
    try {
      const res = await api<{ webhook: WebhookEndpoint; secret: string }>('POST', '/api/webhooks', { url: url.value.trim(), events });
      mount(secretOut, h('div', { class: 'result result-ok' }, h('p', {}, 'Signing secret — copy it now, it is not shown again:'), h('code', { class: 'secret-value' }, res.secret)));
      url.value = '';
      await load();
    } catch (err) {
      toast(describeError(err), 'bad');
    }
  }

  async function remove(w: WebhookEndpoint): Promise<void> {
    try {
      await api('DELETE', `/api/webhooks/${encodeURIComponent(w.id)}`);
      toast('Webhook deleted');
      await load();
    } catch (err) {
      toast(describeError(err), 'bad');
    }
  }
}
