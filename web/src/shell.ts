// The page frame: sidebar navigation, the top bar (title, live state, sandbox, lock), banners.
import { lockButton } from './auth';
import { h, icon } from './dom';
import { onStreamStatus, type StreamStatus } from './events';
import { onVersion } from './health';
import { ICONS } from './icons';
import { sandboxToggle } from './sandbox-toggle';

export interface Shell {
  readonly content: HTMLElement;
  readonly banners: HTMLElement;
  setPage(title: string, nav: string): void;
}

const NAV = [
  { id: 'outbox', href: '#/', label: 'Outbox & Logs', short: 'Outbox', icon: ICONS.inbox },
  { id: 'providers', href: '#/providers', label: 'Providers', short: 'Providers', icon: ICONS.server },
  { id: 'routing', href: '#/routing', label: 'Routing', short: 'Routing', icon: ICONS.routing },
  { id: 'send', href: '#/send', label: 'Test Send', short: 'Send', icon: ICONS.send },
  { id: 'keys', href: '#/keys', label: 'API keys', short: 'Keys', icon: ICONS.shield },
] as const;

const LIVE_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  offline: 'Reconnecting…',
  locked: 'Locked',
};

export function buildShell(app: HTMLElement): Shell {
  // Phones show the short label; the accessible name stays the full one.
  const links = NAV.map((n) =>
    h('a', { href: n.href, class: 'nav-link', 'data-nav': n.id, 'aria-label': n.label }, icon(n.icon), h('span', { class: 'nav-long' }, n.label), h('span', { class: 'nav-short', 'aria-hidden': 'true' }, n.short)),
  );
  const version = h('span', { class: 'version' });
  onVersion((v) => (version.textContent = `v${v}`));
  const title = h('h1', { class: 'page-title' });
  const liveText = h('span', { class: 'live-text' });
  const live = h('span', { class: 'live', role: 'status' }, liveText);
  onStreamStatus((s) => {
    live.dataset.state = s;
    liveText.textContent = LIVE_TEXT[s];
    live.title = s === 'live' ? 'Receiving live updates' : 'Live updates are not connected';
  });
  const banners = h('div', { class: 'banners' });
  const content = h('main', { class: 'content', id: 'content', tabindex: '-1' });
  app.replaceChildren(
    h('a', { class: 'skip', href: '#content', onclick: (ev: Event) => (ev.preventDefault(), content.focus()) }, 'Skip to content'),
    h(
      'aside',
      { class: 'sidebar' },
      h('div', { class: 'brand' }, h('img', { src: '/favicon.svg', alt: '', width: '28', height: '28' }), h('span', {}, 'ProtoPost'), version),
      h('nav', { 'aria-label': 'Main' }, links),
    ),
    h('div', { class: 'main' }, h('header', { class: 'topbar' }, title, h('div', { class: 'topbar-tools' }, live, sandboxToggle(), lockButton())), banners, content),
  );
  return {
    content,
    banners,
    setPage(text, nav) {
      title.textContent = text;
      document.title = `${text} · ProtoPost`;
      for (const a of links) {
        if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
      }
    },
  };
}
