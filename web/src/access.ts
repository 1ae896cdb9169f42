// What the stored credential may do (GET /api/whoami). Write controls carry `data-needs="admin"` (or
// "send"); while the credential lacks that right they are disabled with a tooltip, so a `read` key gets
// a read-only dashboard instead of failing requests. One observer applies it to every page.
import { call } from './api';

export type AccessScope = 'all' | 'send' | 'read' | 'admin';
export interface Access {
  readonly auth_required: boolean;
  readonly credential: 'AUTH_TOKEN' | 'key' | null;
  readonly name: string | null;
  readonly scope: AccessScope;
}
type Need = 'admin' | 'send';

let access: Access = { auth_required: false, credential: null, name: null, scope: 'all' };
const listeners = new Set<(a: Access) => void>();

export const currentAccess = (): Access => access;
export const can = (need: Need, a: Access = access): boolean => a.scope === 'all' || a.scope === 'admin' || (need === 'send' && a.scope === 'send');
/** Keys are managed with AUTH_TOKEN only. */
export const canManageKeys = (a: Access = access): boolean => a.credential === 'AUTH_TOKEN';

export const readOnlyReason = (a: Access = access): string => `Read-only: this key's scope (${a.scope}) does not allow changes`;

export function onAccess(fn: (a: Access) => void): () => void {
  listeners.add(fn);
  fn(access);
  return () => listeners.delete(fn);
}

export async function refreshAccess(): Promise<void> {
  const res = await call('GET', '/api/whoami').catch(() => null);
  // 401: no (valid) credential yet; the lock prompt handles that. Until then nothing is assumed writable.
  access = res?.ok ? (res.body as Access) : { auth_required: true, credential: null, name: null, scope: 'read' };
  document.body.dataset.scope = access.scope;
  apply(document.body);
  for (const fn of listeners) fn(access);
}

const CONTROLS = 'button, input, select, textarea';

function apply(root: ParentNode): void {
  const marked = [...(root instanceof Element && root.matches('[data-needs]') ? [root as HTMLElement] : []), ...root.querySelectorAll<HTMLElement>('[data-needs]')];
  for (const el of marked) {
    const allowed = can(el.dataset.needs as Need);
    const targets = el.matches(CONTROLS) ? [el] : [...el.querySelectorAll<HTMLElement>(CONTROLS)];
    for (const c of targets as (HTMLElement & { disabled: boolean })[]) {
      if (!allowed && !c.disabled) {
        c.disabled = true;
        c.dataset.readOnly = '';
        c.title = readOnlyReason();
      } else if (allowed && 'readOnly' in c.dataset) {
        c.disabled = false;
        delete c.dataset.readOnly;
        c.removeAttribute('title');
      }
    }
  }
}

/** Pages enable their controls when data arrives: re-apply on every change under the body. */
export function startAccess(): Promise<void> {
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'childList') r.addedNodes.forEach((n) => n instanceof Element && apply(n));
      else if (r.target instanceof HTMLElement && r.target.closest('[data-needs]')) apply(r.target.closest('[data-needs]')!);
    }
  }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled'] });
  return refreshAccess();
}
