// Step-by-step setup for Gmail and Resend: instructions, the credentials, then Verify.
import { ApiError, api, describeError } from './api';
import { openDialog } from './dialog';
import { h, icon, mount, spinner, type Child } from './dom';
import { ICONS } from './icons';
import { providerForm } from './provider-form';
import { saveProvider } from './provider-editor';
import type { Provider, ProviderType, VerifyResult } from './types';

interface Step {
  readonly title: string;
  readonly body: Child;
}

const link = (href: string, text: string): HTMLElement =>
  h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, text, icon(ICONS.external));

// Built per dialog: DOM nodes cannot be shared between two open guides.
const INSTRUCTIONS: Record<string, () => readonly Step[]> = {
  gmail: () => [
    {
      title: 'Turn on 2-Step Verification',
      body: [
        h('p', {}, 'Google only issues App Passwords to accounts with 2-Step Verification. Open your Google Account → Security → 2-Step Verification and turn it on.'),
        h('p', {}, link('https://myaccount.google.com/signinoptions/two-step-verification', 'Open 2-Step Verification')),
      ],
    },
    {
      title: 'Create an App Password',
      body: [
        h('p', {}, 'Go to ', link('https://myaccount.google.com/apppasswords', 'myaccount.google.com/apppasswords'), ', enter a name such as “ProtoPost” and choose Create.'),
        h('p', {}, 'Google shows a 16-character password once. Keep the page open for the next step.'),
      ],
    },
  ],
  resend: () => [
    {
      title: 'Create an API key',
      body: [
        h('p', {}, 'In the Resend dashboard open ', link('https://resend.com/api-keys', 'API Keys'), ' and create a key. “Sending access” is enough.'),
        h('p', {}, 'The key starts with re_ and is shown only once.'),
      ],
    },
    {
      title: 'Verify a sending domain',
      body: [
        h('p', {}, 'Open ', link('https://resend.com/domains', 'Domains'), ', add the domain you send from and create the DNS records (SPF, DKIM) it lists.'),
        h('p', {}, 'Until the domain shows “Verified”, Resend only accepts onboarding@resend.dev as sender, delivered to your own address.'),
      ],
    },
  ],
};

export function openGuide(type: ProviderType, onSaved: (p: Provider) => void, onPlainForm: () => void): void {
  const form = providerForm(type, null, { compact: true });
  const steps: Step[] = [
    ...INSTRUCTIONS[type.type](),
    { title: type.type === 'gmail' ? 'Paste the App Password' : 'Paste the API key', body: form.el },
    { title: 'Verify', body: null },
  ];
  let at = 0;
  let saved: Provider | null = null;
  const rail = h('ol', { class: 'steps' }, steps.map((s, i) => h('li', { class: 'step-dot' }, h('span', { class: 'step-num' }, String(i + 1)), h('span', { class: 'step-name' }, s.title))));
  const heading = h('h3', { class: 'step-title', tabindex: '-1' });
  const content = h('div', { class: 'step-body' });
  const back = h('button', { type: 'button', class: 'btn', onclick: () => show(at - 1) }, 'Back');
  const next = h('button', { type: 'button', class: 'btn btn-primary', onclick: () => void forward() }, 'Next');
  const plain = h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => (dlg.close(), onPlainForm()) }, 'Use the full form');
  const dlg = openDialog(`Set up ${type.label}`, [rail, heading, content, h('div', { class: 'actions' }, plain, back, next)], { wide: true });
  show(0);

  function show(i: number): void {
    at = Math.max(0, Math.min(i, steps.length - 1));
    [...rail.children].forEach((li, j) => {
      li.classList.toggle('done', j < at);
      li.classList.toggle('current', j === at);
      if (j === at) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    });
    heading.textContent = `Step ${at + 1} of ${steps.length}: ${steps[at].title}`;
    back.disabled = at === 0;
    next.textContent = at === steps.length - 2 ? 'Save and verify' : 'Next';
    next.hidden = at === steps.length - 1;
    if (at < steps.length - 1) mount(content, steps[at].body);
    heading.focus();
  }

  async function forward(): Promise<void> {
    if (at < steps.length - 2) return show(at + 1);
    const body = form.values();
    if (!body) return;
    const appPassword = body.gmail_app_password;
    if (type.type === 'gmail' && typeof appPassword === 'string' && !appPassword.startsWith('env:')) {
      // Google shows the password in groups of four; the spaces are not part of it.
      body.gmail_app_password = appPassword.replace(/\s+/g, '');
      if ((body.gmail_app_password as string).length !== 16) {
        form.showIssues([{ loc: ['gmail_app_password'], msg: 'An App Password has 16 characters (spaces do not matter).', type: 'length' }]);
        return;
      }
    }
    next.disabled = true;
    try {
      saved = (await saveProvider(saved, body)).provider;
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError && err.issues.length) form.showIssues(err.issues);
      else form.showIssues([{ loc: [], msg: describeError(err), type: 'error' }]);
      return;
    } finally {
      next.disabled = false;
    }
    show(at + 1);
    await verify(saved);
  }

  async function verify(p: Provider): Promise<void> {
    mount(content, spinner(`Checking ${p.name}…`));
    let outcome: Child;
    try {
      const r = await api<VerifyResult>('POST', `/api/config/providers/${encodeURIComponent(p.id)}/verify`);
      outcome = r.ok
        ? h('div', { class: 'result result-ok' }, h('p', {}, icon(ICONS.check), h('strong', {}, ' Verified. '), r.checked ?? ''), h('p', {}, `${p.name} is saved and ready to send.`))
        : h('div', { class: 'result result-bad' }, h('p', {}, h('strong', {}, 'Verification failed. '), r.error ?? ''), h('p', {}, 'The provider is saved; go back to correct the credentials, or fix them later with Edit.'));
    } catch (err) {
      outcome = h('div', { class: 'result result-bad' }, h('p', {}, h('strong', {}, 'Could not verify. '), describeError(err)));
    }
    mount(content, outcome, h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-primary', onclick: () => dlg.close() }, 'Done')));
  }
}
