// One provider: type, weight, enabled switch, circuit health, Verify / Edit / Delete.
import { api, describeError } from './api';
import { confirmDialog } from './dialog';
import { h, icon, mount, spinner, toggle } from './dom';
import { circuitBadge, fmtAgo } from './format';
import { ICONS } from './icons';
import { withoutId } from './provider-form';
import { toast } from './toast';
import type { Provider, ProviderHealth, VerifyResult } from './types';

export interface CardActions {
  readonly typeLabel: string;
  /** kept by the page so a Verify result survives repaints */
  readonly verifyOut: HTMLElement;
  edit(p: Provider): void;
  changed(): void;
}

export function providerCard(p: Provider, health: ProviderHealth | null | undefined, actions: CardActions): HTMLElement {
  const verifyOut = actions.verifyOut;
  const enabled = toggle(p.enabled ? 'Enabled' : 'Disabled', p.enabled, (on) => void setEnabled(on), `enabled-${p.id}`, `${p.name} enabled`);
  enabled.dataset.needs = 'admin';
  const weight = Math.max(0, Math.min(100, p.weight ?? 0));
  return h(
    'article',
    { class: p.enabled ? 'card provider-card' : 'card provider-card is-disabled', 'data-provider-id': p.id, 'aria-label': p.name },
    h(
      'div',
      { class: 'card-head' },
      h('div', {}, h('h3', { class: 'card-title' }, p.name), h('p', { class: 'muted small' }, actions.typeLabel)),
      enabled,
    ),
    h(
      'div',
      { class: 'weight' },
      h('span', { class: 'small' }, `Weight ${p.weight}`),
      h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { class: 'bar-fill', style: `width:${weight}%` })),
      p.timeout_ms ? h('span', { class: 'muted small' }, `timeout ${p.timeout_ms} ms`) : null,
    ),
    healthBlock(health),
    verifyOut,
    h(
      'div',
      { class: 'card-actions' },
      h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Verify ${p.name}`, 'data-needs': 'admin', onclick: () => void verify() }, icon(ICONS.zap), 'Verify'),
      h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Edit ${p.name}`, 'data-needs': 'admin', onclick: () => actions.edit(p) }, icon(ICONS.edit), 'Edit'),
      h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', 'aria-label': `Delete ${p.name}`, 'data-needs': 'admin', onclick: () => void remove() }, icon(ICONS.trash), 'Delete'),
    ),
  );

  async function setEnabled(on: boolean): Promise<void> {
    try {
      await api('PUT', `/api/config/providers/${encodeURIComponent(p.id)}`, { ...withoutId(p), enabled: on });
      toast(`${p.name} ${on ? 'enabled' : 'disabled'}`);
    } catch (err) {
      toast(`Could not update ${p.name}: ${describeError(err)}`, 'bad');
    }
    actions.changed();
  }

  async function verify(): Promise<void> {
    mount(verifyOut, spinner('Verifying…'));
    try {
      const r = await api<VerifyResult>('POST', `/api/config/providers/${encodeURIComponent(p.id)}/verify`);
      mount(
        verifyOut,
        r.ok
          ? h('p', { class: 'result-line ok' }, icon(ICONS.check), `Verified${r.checked ? `: ${r.checked}` : ''}`)
          : h('p', { class: 'result-line bad' }, icon(ICONS.alert), `Failed${r.checked ? ` (${r.checked})` : ''}: ${r.error ?? 'unknown error'}`),
      );
    } catch (err) {
      mount(verifyOut, h('p', { class: 'result-line bad' }, icon(ICONS.alert), describeError(err)));
    }
  }

  async function remove(): Promise<void> {
    if (!(await confirmDialog(`Delete ${p.name}?`, `The provider and its credentials are removed from config.json. Its past email stays in the log.`, 'Delete provider'))) return;
    try {
      await api('DELETE', `/api/config/providers/${encodeURIComponent(p.id)}`);
      toast(`${p.name} deleted`);
    } catch (err) {
      toast(`Could not delete ${p.name}: ${describeError(err)}`, 'bad');
    }
    actions.changed();
  }
}

function healthBlock(health: ProviderHealth | null | undefined): HTMLElement {
  if (health === null) return h('p', { class: 'muted small health' }, 'Health not reported by this server.');
  if (!health) return h('p', { class: 'muted small health' }, 'No sends yet.');
  return h(
    'div',
    { class: 'health' },
    h('p', {}, circuitBadge(health.state), health.consecutive_failures ? h('span', { class: 'small' }, ` ${health.consecutive_failures} failure${health.consecutive_failures > 1 ? 's' : ''} in a row`) : null),
    h('p', { class: 'muted small' }, `Last success ${fmtAgo(health.last_success_at)} · last failure ${fmtAgo(health.last_failure_at)}`),
    health.last_error ? h('p', { class: 'error-text small' }, health.last_error) : null,
  );
}
