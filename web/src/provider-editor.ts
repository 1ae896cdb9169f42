// The add/edit dialog around a provider form: POST or PUT, 422 issues shown on the fields.
import { ApiError, api, describeError } from './api';
import { openDialog } from './dialog';
import { h } from './dom';
import { providerForm } from './provider-form';
import { toast } from './toast';
import type { Provider, ProviderType } from './types';

export interface SaveResult {
  readonly message?: string;
  readonly provider: Provider;
}

/** POST (new) or PUT (existing); throws ApiError with the server's issues. */
export function saveProvider(existing: Provider | null, body: Record<string, unknown>): Promise<SaveResult> {
  return existing
    ? api<SaveResult>('PUT', `/api/config/providers/${encodeURIComponent(existing.id)}`, body)
    : api<SaveResult>('POST', '/api/config/providers', body);
}

export function openProviderEditor(type: ProviderType, existing: Provider | null, onSaved: (p: Provider) => void): void {
  const form = providerForm(type, existing);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, existing ? 'Save changes' : 'Add provider');
  const el = h(
    'form',
    { novalidate: true, 'aria-label': `${existing ? 'Edit' : 'Add'} ${type.label} provider` },
    form.el,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel'), submit),
  );
  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = form.values();
    if (!body) return;
    submit.disabled = true;
    try {
      const res = await saveProvider(existing, body);
      toast(res.message ?? `${res.provider.name} saved`);
      dlg.close();
      onSaved(res.provider);
    } catch (err) {
      if (err instanceof ApiError && err.issues.length) form.showIssues(err.issues);
      else form.showIssues([{ loc: [], msg: describeError(err), type: 'error' }]);
    } finally {
      submit.disabled = false;
    }
  });
  const dlg = openDialog(existing ? `Edit ${existing.name}` : `Add ${type.label} provider`, el, { wide: true });
  el.querySelector<HTMLInputElement>('input')?.focus();
}
