// Short-lived notices in a polite live region.
import { h } from './dom';

let region: HTMLElement | null = null;

export function toast(message: string, tone: 'ok' | 'bad' | 'info' = 'ok'): void {
  if (!region) {
    region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(region);
  }
  const el = h('div', { class: `toast toast-${tone}` }, message);
  region.appendChild(el);
  setTimeout(() => el.classList.add('toast-out'), 3500);
  setTimeout(() => el.remove(), 4000);
}
