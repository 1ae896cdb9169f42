// Small DOM helpers. Everything user- or email-supplied goes in as text nodes, never as HTML.

export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Handler = (ev: any) => void;
export type Attrs = Record<string, string | number | boolean | Handler | null | undefined>;

/** h('button', {class: 'btn', onclick: fn}, 'Save') — `on*` keys become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'class') el.className = String(value);
    // CSSOM, not the attribute: allowed even under a CSP without 'unsafe-inline' styles.
    else if (key === 'style') el.style.cssText = String(value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces all children of `el`. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A 20×20 stroke icon from path data (static strings defined in icons.ts). */
export function icon(paths: readonly string[], label?: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else svg.setAttribute('aria-hidden', 'true');
  for (const d of paths) {
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', d);
    svg.appendChild(p);
  }
  return svg;
}

let uid = 0;
/** A unique id for label/for pairs. */
export function nextId(prefix = 'f'): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form row: label, control, optional help and an error slot. */
export function field(label: string, control: HTMLElement, help?: string): HTMLElement {
  // `control` may wrap the input (a secret with its Show button): label the input itself.
  const target = control.matches('input, select, textarea') ? control : (control.querySelector<HTMLElement>('input, select, textarea') ?? control);
  const id = target.id || nextId();
  target.id = id;
  const helpId = help ? `${id}-help` : undefined;
  const errId = `${id}-err`;
  target.setAttribute('aria-describedby', [helpId, errId].filter(Boolean).join(' '));
  return h(
    'div',
    { class: 'field', 'data-field': target.getAttribute('name') ?? '' },
    h('label', { for: id }, label),
    control,
    help ? h('p', { class: 'help', id: helpId }, help) : null,
    h('p', { class: 'field-error', id: errId, role: 'alert' }),
  );
}

/** A checkbox styled as a switch, with its label. */
export function toggle(label: string, checked: boolean, onChange: (on: boolean) => void, name?: string, ariaLabel?: string): HTMLLabelElement {
  const input = h('input', { type: 'checkbox', role: 'switch', name, class: 'switch-input', 'aria-label': ariaLabel });
  input.checked = checked;
  input.addEventListener('change', () => onChange(input.checked));
  return h('label', { class: 'switch' }, input, h('span', { class: 'switch-track', 'aria-hidden': 'true' }), h('span', { class: 'switch-label' }, label));
}

export function spinner(text = 'Loading…'): HTMLElement {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spin', 'aria-hidden': 'true' }), text);
}

export function emptyState(title: string, body: string, action?: HTMLElement): HTMLElement {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), h('p', { class: 'muted' }, body), action);
}

export function errorState(message: string, retry?: () => void): HTMLElement {
  return h(
    'div',
    { class: 'error-state', role: 'alert' },
    h('p', { class: 'error-title' }, 'Something went wrong'),
    h('p', {}, message),
    retry ? h('button', { class: 'btn', type: 'button', onclick: retry }, 'Try again') : null,
  );
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
