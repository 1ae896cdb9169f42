// Hash routing: #/ (outbox), #/logs/<id>, #/providers, #/routing, #/send.
export type Cleanup = () => void;
export type Params = Record<string, string>;

export interface Route {
  readonly pattern: string;
  readonly title: string;
  /** which nav entry is highlighted */
  readonly nav: string;
  readonly render: (root: HTMLElement, params: Params, query: URLSearchParams) => Cleanup | void;
}

let routes: readonly Route[] = [];
let root: HTMLElement;
let cleanup: Cleanup | void;
let onChange: (route: Route) => void = () => {};

export function startRouter(el: HTMLElement, table: readonly Route[], changed: (route: Route) => void): void {
  root = el;
  routes = table;
  onChange = changed;
  window.addEventListener('hashchange', render);
  render();
}

/** Re-renders the current page (after unlocking, for instance). */
export function render(): void {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const params = match(route.pattern, parts);
    if (!params) continue;
    if (cleanup) cleanup();
    root.replaceChildren();
    onChange(route);
    cleanup = route.render(root, params, new URLSearchParams(search));
    return;
  }
  location.replace('#/');
}

function match(pattern: string, parts: readonly string[]): Params | null {
  const want = pattern.split('/').filter(Boolean);
  if (want.length !== parts.length) return null;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(parts[i]);
    else if (want[i] !== parts[i]) return null;
  }
  return params;
}

/** Records page state (filters, offset) in the hash without re-rendering. */
export function replaceQuery(path: string, query: URLSearchParams): void {
  const q = query.toString();
  history.replaceState(null, '', `#${path}${q ? `?${q}` : ''}`);
}
