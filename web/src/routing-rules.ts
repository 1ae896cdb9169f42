// The rules editor: ordered {match, providers} entries; the first match narrows the candidates.
import { h, icon, nextId } from './dom';
import { ICONS } from './icons';
import type { Provider, Rule } from './types';

export interface RulesEditor {
  readonly el: HTMLElement;
  /** The edited rules, or a message saying what is incomplete. */
  value(): Rule[] | string;
}

interface Row {
  readonly el: HTMLElement;
  read(): Rule;
}

export function rulesEditor(initial: readonly Rule[], providers: readonly Provider[], onDirty: () => void): RulesEditor {
  const list = h('ol', { class: 'rules' });
  const empty = h('p', { class: 'muted rules-empty' }, 'No rules: every email may use every provider.');
  const rows: Row[] = [];
  const addBtn = h('button', { type: 'button', class: 'btn', 'data-needs': 'admin', onclick: () => (add({ match: {}, providers: [] }), onDirty()) }, icon(ICONS.plus), 'Add rule');
  for (const r of initial) add(r);
  const el = h('div', { class: 'rules-editor' }, empty, list, addBtn);
  list.addEventListener('input', onDirty);
  list.addEventListener('change', onDirty);
  sync();
  return {
    el,
    value() {
      const rules = rows.map((r) => r.read());
      const bad = rules.findIndex((r) => r.providers.length === 0);
      return bad >= 0 ? `Rule ${bad + 1} needs at least one provider.` : rules;
    },
  };

  function add(rule: Rule): void {
    const row = ruleRow(rule, providers, {
      remove: () => {
        rows.splice(rows.indexOf(row), 1);
        row.el.remove();
        sync();
        onDirty();
      },
      move: (delta) => {
        const i = rows.indexOf(row);
        const j = i + delta;
        if (j < 0 || j >= rows.length) return;
        rows.splice(i, 1);
        rows.splice(j, 0, row);
        sync();
        onDirty();
      },
    });
    rows.push(row);
    sync();
  }

  function sync(): void {
    list.replaceChildren(...rows.map((r) => r.el));
    rows.forEach((r, i) => {
      r.el.querySelector('.rule-num')!.textContent = `Rule ${i + 1}`;
      r.el.querySelector<HTMLButtonElement>('[data-move="-1"]')!.disabled = i === 0;
      r.el.querySelector<HTMLButtonElement>('[data-move="1"]')!.disabled = i === rows.length - 1;
    });
    empty.hidden = rows.length > 0;
  }
}

function ruleRow(rule: Rule, providers: readonly Provider[], ops: { remove(): void; move(delta: number): void }): Row {
  const [tagKey = '', tagValue = ''] = Object.entries(rule.match.tag ?? {})[0] ?? [];
  const to = input('to_domain', 'To domain', rule.match.to_domain ?? '', 'example.com');
  const from = input('from_domain', 'From domain', rule.match.from_domain ?? '', 'myapp.io');
  const key = input('tag_key', 'Tag name', tagKey, 'plan');
  const val = input('tag_value', 'Tag value', tagValue, 'pro');
  const known = new Set(providers.map((p) => p.id));
  const choices = [...providers.map((p) => [p.id, p.name] as const), ...rule.providers.filter((id) => !known.has(id)).map((id) => [id, `${id} (missing)`] as const)];
  const boxes = choices.map(([id, name]) => {
    const box = h('input', { type: 'checkbox', value: id, name: 'providers' });
    box.checked = rule.providers.includes(id);
    return { id, box, el: h('label', { class: 'check' }, box, name) };
  });
  const el = h(
    'li',
    { class: 'rule' },
    h(
      'div',
      { class: 'rule-head' },
      h('strong', { class: 'rule-num' }),
      h(
        'div',
        { class: 'rule-tools' },
        h('button', { type: 'button', class: 'btn-icon', 'data-move': '-1', 'aria-label': 'Move rule up', onclick: () => ops.move(-1) }, icon(ICONS.up)),
        h('button', { type: 'button', class: 'btn-icon', 'data-move': '1', 'aria-label': 'Move rule down', onclick: () => ops.move(1) }, icon(ICONS.down)),
        h('button', { type: 'button', class: 'btn-icon danger', 'aria-label': 'Remove rule', onclick: ops.remove }, icon(ICONS.trash)),
      ),
    ),
    h('div', { class: 'rule-match' }, to.el, from.el, key.el, val.el),
    h('fieldset', { class: 'rule-providers' }, h('legend', {}, 'Use only these providers'), boxes.length ? boxes.map((b) => b.el) : h('span', { class: 'muted' }, 'Add a provider first.')),
    h('p', { class: 'muted small' }, 'Empty conditions match every email. All filled conditions must match.'),
  );
  return {
    el,
    read() {
      const match: Rule['match'] = {};
      if (to.input.value.trim()) match.to_domain = to.input.value.trim().toLowerCase();
      if (from.input.value.trim()) match.from_domain = from.input.value.trim().toLowerCase();
      if (key.input.value.trim()) match.tag = { [key.input.value.trim()]: val.input.value.trim() };
      return { match, providers: boxes.filter((b) => b.box.checked).map((b) => b.id) };
    },
  };
}

function input(name: string, label: string, value: string, placeholder: string): { el: HTMLElement; input: HTMLInputElement } {
  const id = nextId('rule');
  const el = h('input', { id, name, placeholder, autocomplete: 'off', spellcheck: 'false' });
  el.value = value;
  return { el: h('div', { class: 'field' }, h('label', { for: id }, label), el), input: el };
}
