// The body of an email: HTML (only ever inside a sandboxed iframe), text, raw source.
import { call, describeError, errorMessage } from './api';
import { h, mount, nextId, spinner } from './dom';
import type { LogDetail } from './types';

type Tab = 'html' | 'text' | 'raw';

export function emailPreview(log: LogDetail): HTMLElement {
  const tabs: [Tab, string][] = [];
  if (log.body_html) tabs.push(['html', 'HTML']);
  if (log.body_text) tabs.push(['text', 'Text']);
  tabs.push(['raw', 'Raw source']);
  const panel = h('div', { class: 'tab-panel', role: 'tabpanel', id: nextId('panel') });
  const buttons = tabs.map(([tab, label]) =>
    h('button', { type: 'button', role: 'tab', class: 'tab', 'data-tab': tab, 'aria-controls': panel.id, onclick: () => show(tab) }, label),
  );
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Message body' }, buttons);
  list.addEventListener('keydown', (ev: KeyboardEvent) => {
    if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
    const i = buttons.findIndex((b) => b.getAttribute('aria-selected') === 'true');
    const next = buttons[(i + (ev.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length];
    next.focus();
    next.click();
  });
  let raw: Promise<HTMLElement> | null = null;

  show(tabs[0][0]);
  return h('section', { class: 'panel preview sec-body', 'aria-label': 'Message body' }, list, panel);

  function show(tab: Tab): void {
    for (const b of buttons) {
      const on = b.dataset.tab === tab;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on) panel.setAttribute('aria-labelledby', (b.id ||= nextId('tab')));
    }
    if (tab === 'html') mount(panel, htmlFrame(log.body_html ?? ''));
    else if (tab === 'text') mount(panel, h('pre', { class: 'body-text' }, log.body_text ?? ''));
    else {
      mount(panel, spinner('Loading raw source…'));
      raw ??= loadRaw(log.id);
      void raw.then((el) => {
        if (panel.querySelector('.loading')) mount(panel, el);
      });
    }
  }
}

/**
 * Email HTML is untrusted: it goes into `srcdoc` of an iframe whose `sandbox` attribute is empty
 * (no scripts, no same-origin, no forms, no popups), set before the content is.
 */
function htmlFrame(html: string): HTMLElement {
  const frame = h('iframe', { sandbox: true, title: 'HTML body preview', referrerpolicy: 'no-referrer', class: 'html-frame' });
  frame.srcdoc = html;
  return h(
    'div',
    {},
    h('div', { class: 'frame-wrap' }, frame),
    h('p', { class: 'muted small' }, 'Shown in a sandboxed frame: scripts, forms and remote images are blocked.'),
  );
}

async function loadRaw(id: LogDetail['id']): Promise<HTMLElement> {
  try {
    const res = await call('GET', `/api/logs/${encodeURIComponent(String(id))}/raw`);
    if (!res.ok) return h('p', { class: 'error-text' }, errorMessage(res.status, res.body));
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body, null, 2);
    const url = URL.createObjectURL(new Blob([text], { type: 'message/rfc822' }));
    return h(
      'div',
      {},
      h('div', { class: 'raw-tools' }, h('a', { href: url, download: `protopost-${id}.eml`, class: 'btn btn-small' }, 'Download .eml')),
      h('pre', { class: 'raw' }, text),
    );
  } catch (err) {
    return h('p', { class: 'error-text' }, describeError(err));
  }
}
