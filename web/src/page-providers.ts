// Providers: a card per provider with health, and the add / guided-setup entry points.
import { ApiError, get } from './api';
import { loadConfig } from './config-store';
import { openDialog } from './dialog';
import { debounce, emptyState, h, icon, mount, spinner } from './dom';
import { errorView } from './error-view';
import { onLogEvent } from './events';
import { ICONS } from './icons';
import { providerCard } from './provider-card';
import { openProviderEditor } from './provider-editor';
import { openGuide } from './provider-guide';
import { GUIDED_TYPES, providerTypes, typeLabel } from './provider-types';
import type { Cleanup } from './router';
import type { AppConfig, ProviderHealth, ProviderType } from './types';

const HEALTH_POLL_MS = 10_000;

export function renderProviders(root: HTMLElement): Cleanup {
  const list = h('div', { class: 'cards' });
  const addBtn = h('button', { type: 'button', class: 'btn btn-primary', 'data-needs': 'admin', disabled: true, onclick: () => pickType() }, icon(ICONS.plus), 'Add provider');
  mount(
    root,
    h('div', { class: 'page-head' }, h('p', { class: 'muted' }, 'Where email goes. Changes apply to the next email, no restart needed.'), addBtn),
    list,
  );
  mount(list, spinner('Loading providers…'));
  let types: readonly ProviderType[] = [];
  let disposed = false;
  let waiting = false;
  const verifyOuts = new Map<string, HTMLElement>();

  void load();
  const timer = setInterval(() => void load(), HEALTH_POLL_MS);
  const off = onLogEvent(debounce(() => void load(), 1000));
  return () => {
    disposed = true;
    clearInterval(timer);
    off();
  };

  async function load(): Promise<void> {
    try {
      const [cfg, t, health] = await Promise.all([loadConfig(), providerTypes(), loadHealth()]);
      if (disposed) return;
      types = t;
      addBtn.disabled = false;
      paint(cfg, health);
    } catch (err) {
      if (!disposed) mount(list, errorView(err, () => void load()));
    }
  }

  function paint(cfg: AppConfig, health: Map<string, ProviderHealth> | null): void {
    // Never repaint under an open dialog (it may belong to a card); do it once it closes.
    const dialog = document.querySelector('dialog[open]');
    if (dialog) {
      if (!waiting) dialog.addEventListener('close', () => ((waiting = false), void load()), { once: true });
      waiting = true;
      return;
    }
    if (cfg.providers.length === 0) {
      mount(
        list,
        emptyState(
          'No providers yet',
          'Add one to deliver email. Until then, turn Sandbox on to capture email locally.',
          h(
            'div',
            { class: 'actions' },
            GUIDED_TYPES.map((t) => h('button', { type: 'button', class: 'btn', 'data-needs': 'admin', onclick: () => start(t) }, `Set up ${typeLabel(types, t)}`)),
            h('button', { type: 'button', class: 'btn btn-primary', 'data-needs': 'admin', onclick: () => pickType() }, 'Other provider'),
          ),
        ),
      );
      return;
    }
    const focusedId = (document.activeElement?.closest('[data-provider-id]') as HTMLElement | null)?.dataset.providerId;
    mount(
      list,
      cfg.providers.map((p) =>
        providerCard(p, health ? (health.get(p.id) ?? undefined) : null, {
          typeLabel: typeLabel(types, p.type),
          verifyOut: verifySlot(p.id),
          edit: (prov) => {
            const type = types.find((x) => x.type === prov.type);
            if (type) openProviderEditor(type, prov, () => void load());
          },
          changed: () => void load(),
        }),
      ),
    );
    if (focusedId) list.querySelector<HTMLElement>(`[data-provider-id="${CSS.escape(focusedId)}"] input`)?.focus();
  }

  function verifySlot(id: string): HTMLElement {
    let el = verifyOuts.get(id);
    if (!el) verifyOuts.set(id, (el = h('div', { class: 'verify-out', 'aria-live': 'polite' })));
    return el;
  }

  function pickType(): void {
    const dlg = openDialog(
      'Add a provider',
      h(
        'div',
        { class: 'type-grid' },
        types.map((t) =>
          h(
            'button',
            { type: 'button', class: 'type-option', 'data-type': t.type, onclick: () => (dlg.close(), start(t.type)) },
            h('strong', {}, t.label),
            GUIDED_TYPES.includes(t.type) ? h('span', { class: 'badge badge-ok' }, 'Guided') : null,
          ),
        ),
      ),
      { wide: true },
    );
  }

  function start(typeName: string): void {
    const type = types.find((t) => t.type === typeName);
    if (!type) return;
    const plain = (): void => openProviderEditor(type, null, () => void load());
    if (GUIDED_TYPES.includes(type.type)) openGuide(type, () => void load(), plain);
    else plain();
  }
}

/** null when the server has no health endpoint (404). */
async function loadHealth(): Promise<Map<string, ProviderHealth> | null> {
  try {
    const r = await get<{ providers: ProviderHealth[] }>('/api/providers/health');
    return new Map(r.providers.map((p) => [p.id, p]));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}
