// A provider form generated from its type description plus the common fields.
import { fieldName } from './api';
import { field, h, nextId } from './dom';
import type { Provider, ProviderType, TypeField, ValidationIssue } from './types';

export interface ProviderForm {
  readonly el: HTMLElement;
  /** The body to POST/PUT, or null after showing what is missing. */
  values(): Record<string, unknown> | null;
  showIssues(issues: readonly ValidationIssue[]): string[];
  clearIssues(): void;
}

/** `compact`: only name and the type's own fields (the guided setups). */
export function providerForm(type: ProviderType, existing: Provider | null, opts: { compact?: boolean } = {}): ProviderForm {
  const common: TypeField[] = [
    { name: 'name', kind: 'string', required: true, label: 'Name', default: existing ? undefined : type.label, help: 'Unique; shown in logs and on the dashboard.' },
  ];
  if (!opts.compact) {
    common.push(
      { name: 'enabled', kind: 'boolean', label: 'Enabled', default: true },
      { name: 'weight', kind: 'integer', label: 'Weight (0–100)', default: 100, help: 'Smart mode tries higher weights first; manual mode picks in proportion. 0 = never routed.' },
      { name: 'timeout_ms', kind: 'integer', label: 'Timeout (ms)', help: 'Per attempt; empty = 10000.' },
    );
  }
  const baseUrl: TypeField[] = type.default_base_url ? [{ name: 'base_url', kind: 'string', label: 'Base URL', help: `For regional endpoints or a local fake. Empty = ${type.default_base_url}` }] : [];
  // Off unless asked for: without it the server refuses to send a secret over plain http or SMTP without TLS.
  const insecure: TypeField[] = opts.compact
    ? []
    : [{ name: 'allow_insecure', kind: 'boolean', label: 'Allow secrets without TLS', help: 'Only for a server you trust on your own network: secrets may then travel unencrypted (plain http://, SMTP without TLS). Loopback hosts never need it.' }];
  const fields = [...common, ...(opts.compact ? [] : baseUrl), ...type.fields, ...insecure, ...(opts.compact ? baseUrl : [])];
  const controls = new Map<string, HTMLInputElement>();
  const rows = fields.map((f) => row(f));
  const formError = h('p', { class: 'form-error', role: 'alert' });
  // In the guided setups the base URL is an advanced detail, out of the way.
  const advanced = opts.compact && baseUrl.length ? rows.pop()! : null;
  const el = h(
    'div',
    { class: 'provider-form' },
    h('div', { class: 'form-grid' }, rows),
    advanced ? h('details', { class: 'advanced' }, h('summary', {}, 'Advanced'), advanced) : null,
    formError,
  );

  return {
    el,
    values() {
      this.clearIssues();
      const out: Record<string, unknown> = existing ? withoutId(existing) : {};
      out.type = type.type;
      const problems: ValidationIssue[] = [];
      for (const f of fields) {
        const input = controls.get(f.name)!;
        if (f.kind === 'boolean') {
          // allow_insecure is written only when it is on or was already set: saving a form adds nothing to the config.
          if (f.name === 'allow_insecure' && !input.checked && existing?.allow_insecure === undefined) delete out[f.name];
          else out[f.name] = input.checked;
          continue;
        }
        const raw = f.secret ? input.value : input.value.trim();
        if (raw.trim() === '') {
          delete out[f.name];
          if (f.required) problems.push({ loc: [f.name], msg: `${f.label} is required`, type: 'missing' });
          continue;
        }
        if (f.kind === 'integer') {
          const n = Number(raw);
          if (!Number.isInteger(n) || (f.name === 'weight' && (n < 0 || n > 100))) {
            problems.push({ loc: [f.name], msg: f.name === 'weight' ? 'Weight must be a whole number from 0 to 100' : `${f.label} must be a whole number`, type: 'integer' });
            continue;
          }
          out[f.name] = n;
        } else out[f.name] = raw;
      }
      if (problems.length) {
        this.showIssues(problems);
        return null;
      }
      return out;
    },
    showIssues(issues) {
      const unplaced: string[] = [];
      for (const issue of issues) {
        const name = [...issue.loc].reverse().find((p) => typeof p === 'string' && controls.has(p)) as string | undefined;
        const slot = name ? el.querySelector<HTMLElement>(`[data-field="${name}"] .field-error`) : null;
        if (slot) {
          slot.textContent = issue.msg;
          controls.get(name!)!.setAttribute('aria-invalid', 'true');
        } else unplaced.push(issue.loc.length ? `${fieldName(issue.loc)}: ${issue.msg}` : issue.msg);
      }
      formError.textContent = unplaced.join('; ');
      el.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return unplaced;
    },
    clearIssues() {
      formError.textContent = '';
      for (const slot of el.querySelectorAll('.field-error')) slot.textContent = '';
      for (const c of controls.values()) c.removeAttribute('aria-invalid');
    },
  };

  function row(f: TypeField): HTMLElement {
    const current = existing ? existing[f.name] : undefined;
    const value = current ?? (existing && f.name !== 'enabled' ? undefined : f.default);
    const id = nextId('pf');
    if (f.kind === 'boolean') {
      const input = h('input', { type: 'checkbox', id, name: f.name, class: 'switch-input', role: 'switch' });
      input.checked = Boolean(value ?? false);
      controls.set(f.name, input);
      return h(
        'div',
        { class: 'field field-check', 'data-field': f.name },
        h('label', { class: 'switch', for: id }, input, h('span', { class: 'switch-track', 'aria-hidden': 'true' }), h('span', { class: 'switch-label' }, f.label)),
        f.help ? h('p', { class: 'help' }, f.help) : null,
        h('p', { class: 'field-error', role: 'alert' }),
      );
    }
    const input = h('input', {
      id,
      name: f.name,
      type: f.secret ? 'password' : f.kind === 'integer' ? 'number' : 'text',
      inputmode: f.kind === 'integer' ? 'numeric' : null,
      min: f.name === 'weight' ? '0' : null,
      max: f.name === 'weight' ? '100' : null,
      required: Boolean(f.required),
      autocomplete: f.secret ? 'new-password' : 'off',
      spellcheck: 'false',
      placeholder: f.name === 'base_url' ? type.default_base_url : f.name === 'timeout_ms' ? '10000' : null,
    });
    input.value = value === undefined || value === null ? '' : String(value);
    controls.set(f.name, input);
    const help = [f.help, f.secret && existing ? 'Leave the masked value to keep the stored secret.' : ''].filter(Boolean).join(' ');
    const fieldEl = field(f.required ? `${f.label} *` : f.label, f.secret ? secretWrap(input) : input, help || undefined);
    fieldEl.dataset.field = f.name;
    return fieldEl;
  }
}

/** A password input with a show/hide button. */
function secretWrap(input: HTMLInputElement): HTMLElement {
  const btn = h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-pressed': 'false', 'aria-label': 'Show secret' }, 'Show');
  btn.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    btn.textContent = show ? 'Hide' : 'Show';
    btn.setAttribute('aria-pressed', String(show));
  });
  return h('div', { class: 'secret' }, input, btn);
}

export function withoutId(p: Provider): Record<string, unknown> {
  const { id: _id, ...rest } = p;
  return rest;
}
