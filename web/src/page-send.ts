// Test Send: a form for POST /api/send that shows the response as the API gives it.
import { call, describeError, errorMessage, fieldName } from './api';
import { onConfig } from './config-store';
import { field, h, icon, mount, spinner } from './dom';
import { ICONS } from './icons';
import type { Cleanup } from './router';
import type { ValidationIssue } from './types';

const DRAFT_KEY = 'protopost.send-draft';
const FIELDS = ['from', 'to', 'subject', 'body_text', 'body_html'] as const;
type Draft = Partial<Record<(typeof FIELDS)[number], string>>;

export function renderSend(root: HTMLElement): Cleanup {
  const draft = readDraft();
  const inputs = {
    from: h('input', { name: 'from', type: 'text', autocomplete: 'email', placeholder: 'App <app@example.com>', value: draft.from ?? '' }),
    to: h('input', { name: 'to', type: 'text', autocomplete: 'off', placeholder: 'ada@example.com, bob@example.com', value: draft.to ?? '' }),
    subject: h('input', { name: 'subject', type: 'text', autocomplete: 'off', value: draft.subject ?? 'Hello from ProtoPost' }),
    body_text: h('textarea', { name: 'body_text', rows: '5' }),
    body_html: h('textarea', { name: 'body_html', rows: '5', spellcheck: 'false' }),
  };
  inputs.body_text.value = draft.body_text ?? 'This is a test email sent from the ProtoPost dashboard.';
  inputs.body_html.value = draft.body_html ?? '';
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-needs': 'send' }, icon(ICONS.send), 'Send');
  const result = h('section', { class: 'send-result', 'aria-live': 'polite', 'aria-label': 'Response' });
  const mode = h('p', { class: 'notice', hidden: true });
  const formError = h('p', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'panel send-form', novalidate: true, 'aria-label': 'Test email' },
    mode,
    field('From', inputs.from, 'addr@domain or Display Name <addr@domain>'),
    field('To', inputs.to, 'Comma-separated, 1 to 50 addresses'),
    field('Subject', inputs.subject),
    field('Text body', inputs.body_text),
    field('HTML body', inputs.body_html, 'Optional. At least one of the two bodies is needed.'),
    formError,
    h('div', { class: 'actions' }, submit),
  );
  mount(root, h('div', { class: 'send-layout' }, form, result));

  const off = onConfig((cfg) => {
    mode.hidden = false;
    mode.className = cfg.routing.sandbox ? 'notice notice-warn' : 'notice';
    mode.textContent = cfg.routing.sandbox
      ? 'Sandbox is on: the email is captured and shows up in the outbox; nothing is sent.'
      : `Sandbox is off: the email is really delivered (${cfg.routing.mode} routing).`;
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearIssues();
    const values = Object.fromEntries(FIELDS.map((k) => [k, inputs[k].value])) as Required<Draft>;
    localStorage.setItem(DRAFT_KEY, JSON.stringify(values));
    const body: Record<string, unknown> = {
      from: values.from.trim(),
      to: values.to.split(',').map((s) => s.trim()).filter(Boolean),
      subject: values.subject,
    };
    if (values.body_text.trim()) body.body_text = values.body_text;
    if (values.body_html.trim()) body.body_html = values.body_html;
    submit.disabled = true;
    mount(result, spinner('Sending…'));
    try {
      const res = await call('POST', '/api/send', body);
      showResponse(res.status, res.body);
    } catch (err) {
      mount(result, h('div', { class: 'result result-bad' }, h('p', {}, h('strong', {}, 'No response. '), describeError(err))));
    } finally {
      submit.disabled = false;
    }
  });
  return off;

  function showResponse(status: number, body: unknown): void {
    const ok = status >= 200 && status < 300;
    const b = body as { message?: string; status?: string; log_id?: unknown; detail?: unknown } | null;
    const logId = b?.log_id ?? (b?.detail as { log_id?: unknown } | undefined)?.log_id;
    const detail = b?.detail;
    if (Array.isArray(detail)) showIssues(detail as ValidationIssue[]);
    mount(
      result,
      h(
        'div',
        { class: `result result-${ok ? 'ok' : 'bad'}`, 'data-status': String(status) },
        h('p', { class: 'result-head' }, h('span', { class: `badge badge-${ok ? (b?.status === 'sandbox' ? 'sandbox' : 'success') : 'failed'}` }, `HTTP ${status}`), ' ', ok ? (b?.message ?? b?.status ?? 'Accepted') : errorMessage(status, body)),
        logId !== undefined && logId !== null ? h('p', {}, h('a', { href: `#/logs/${encodeURIComponent(String(logId))}` }, 'Open the log entry')) : null,
        h('pre', { class: 'json', 'aria-label': 'Response body' }, typeof body === 'string' ? body : JSON.stringify(body, null, 2)),
      ),
    );
  }

  function showIssues(issues: readonly ValidationIssue[]): void {
    const general: string[] = [];
    for (const issue of issues) {
      const name = issue.loc.find((p) => typeof p === 'string' && p in inputs) as keyof typeof inputs | undefined;
      const slot = name ? form.querySelector(`[data-field="${name}"] .field-error`) : null;
      if (name && slot) {
        slot.textContent = [slot.textContent, `${fieldName(issue.loc)}: ${issue.msg}`].filter(Boolean).join(' · ');
        inputs[name].setAttribute('aria-invalid', 'true');
      } else general.push(issue.msg);
    }
    formError.textContent = general.join('; ');
  }

  function clearIssues(): void {
    formError.textContent = '';
    for (const slot of form.querySelectorAll('.field-error')) slot.textContent = '';
    for (const el of Object.values(inputs)) el.removeAttribute('aria-invalid');
  }
}

function readDraft(): Draft {
  try {
    return JSON.parse(localStorage.getItem(DRAFT_KEY) ?? '{}') as Draft;
  } catch {
    return {};
  }
}
