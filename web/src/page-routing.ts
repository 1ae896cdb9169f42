// Routing: mode, sandbox, the resulting smart order and manual split, and the rules.
import { ApiError, describeError } from './api';
import { loadConfig, onConfig, saveRouting } from './config-store';
import { h, mount, spinner, toggle } from './dom';
import { errorView } from './error-view';
import { fmtPercent, manualSplit, smartOrder } from './routing-order';
import { rulesEditor, type RulesEditor } from './routing-rules';
import { render, type Cleanup } from './router';
import { toast } from './toast';
import type { AppConfig, RoutingMode } from './types';

const MODES: readonly [RoutingMode, string, string][] = [
  ['smart', 'Smart', 'Tries providers in order until one accepts the email (failover).'],
  ['manual', 'Manual', 'One weighted-random pick per email, no fallback.'],
];

export function renderRouting(root: HTMLElement): Cleanup {
  const top = h('div', { class: 'routing-top' });
  const rulesPanel = h('section', { class: 'panel', 'aria-labelledby': 'rules-title' });
  mount(root, top, rulesPanel);
  mount(top, spinner('Loading routing…'));
  let editor: RulesEditor | null = null;
  let dirty = false;

  const off = onConfig((cfg) => paintTop(cfg));
  loadConfig().then(paintRules, (err) => mount(top, errorView(err, render)));
  return off;

  function paintTop(cfg: AppConfig): void {
    const mode = h(
      'div',
      { class: 'segmented', role: 'radiogroup', 'aria-label': 'Routing mode', 'data-needs': 'admin' },
      MODES.map(([value, label, help]) => {
        const input = h('input', { type: 'radio', name: 'mode', value, id: `mode-${value}` });
        input.checked = cfg.routing.mode === value;
        input.addEventListener('change', () => void change({ mode: value }));
        return h('label', { for: `mode-${value}`, class: 'segment' }, input, h('span', { class: 'segment-label' }, label), h('span', { class: 'segment-help' }, help));
      }),
    );
    const sandbox = toggle('Sandbox: capture every email, send nothing', cfg.routing.sandbox, (on) => void change({ sandbox: on }), 'routing-sandbox');
    sandbox.dataset.needs = 'admin';
    const order = smartOrder(cfg.providers);
    const split = manualSplit(cfg.providers);
    const active = (m: RoutingMode): string => (cfg.routing.sandbox ? 'panel' : cfg.routing.mode === m ? 'panel panel-active' : 'panel');
    mount(
      top,
      h('section', { class: 'panel', 'aria-label': 'Mode' }, h('h2', { class: 'panel-title' }, 'Mode'), mode, sandbox, cfg.routing.sandbox ? h('p', { class: 'notice notice-warn' }, 'Sandbox is on: it is checked first, so no email leaves the machine whatever the mode.') : null),
      h(
        'div',
        { class: 'two-col' },
        h(
          'section',
          { class: active('smart'), 'aria-label': 'Smart order' },
          h('h2', { class: 'panel-title' }, 'Smart order', cfg.routing.mode === 'smart' ? h('span', { class: 'badge badge-ok' }, 'in use') : null),
          order.length
            ? h('ol', { class: 'order', 'data-testid': 'smart-order' }, order.map((p) => h('li', {}, h('span', { class: 'order-name' }, p.name), h('span', { class: 'muted small' }, `${p.type} · weight ${p.weight}`))))
            : noneEligible(),
        ),
        h(
          'section',
          { class: active('manual'), 'aria-label': 'Manual split' },
          h('h2', { class: 'panel-title' }, 'Manual split', cfg.routing.mode === 'manual' ? h('span', { class: 'badge badge-ok' }, 'in use') : null),
          split.length
            ? h(
                'ul',
                { class: 'split', 'data-testid': 'manual-split' },
                split.map(({ provider, percent }) =>
                  h(
                    'li',
                    {},
                    h('span', { class: 'order-name' }, provider.name),
                    h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { class: 'bar-fill', style: `width:${percent}%` })),
                    h('span', { class: 'num' }, fmtPercent(percent)),
                  ),
                ),
              )
            : noneEligible(),
        ),
      ),
    );
    // Provider names in the rules editor follow the config, unless the user is mid-edit.
    if (editor && !dirty) paintRules(cfg);
  }

  function paintRules(cfg: AppConfig): void {
    dirty = false;
    const status = h('span', { class: 'muted small', 'aria-live': 'polite' });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const save = h('button', { type: 'button', class: 'btn btn-primary', 'data-needs': 'admin', disabled: true }, 'Save rules');
    const discard = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => paintRules(cfg) }, 'Discard');
    editor = rulesEditor(cfg.routing.rules ?? [], cfg.providers, () => {
      dirty = true;
      save.disabled = discard.disabled = false;
      status.textContent = 'Unsaved changes';
    });
    save.addEventListener('click', async () => {
      const rules = editor!.value();
      if (typeof rules === 'string') {
        error.textContent = rules;
        return;
      }
      error.textContent = '';
      save.disabled = true;
      try {
        dirty = false;
        paintRules(await saveRouting({ rules }));
        toast('Rules saved');
      } catch (err) {
        dirty = true;
        save.disabled = false;
        error.textContent = err instanceof ApiError && err.issues.length ? err.issues.map((i) => i.msg).join('; ') : describeError(err);
      }
    });
    mount(
      rulesPanel,
      h('h2', { class: 'panel-title', id: 'rules-title' }, 'Rules'),
      h('p', { class: 'muted' }, 'Checked top to bottom; the first rule that matches an email restricts it to that rule’s providers, then the mode applies.'),
      editor.el,
      error,
      h('div', { class: 'actions' }, status, discard, save),
    );
  }

  async function change(patch: { mode?: RoutingMode; sandbox?: boolean }): Promise<void> {
    try {
      await saveRouting(patch);
      toast('Routing saved');
    } catch (err) {
      toast(`Could not save routing: ${describeError(err)}`, 'bad');
      void loadConfig().catch(() => {});
    }
  }
}

function noneEligible(): HTMLElement {
  return h('p', { class: 'muted' }, 'No enabled provider with weight above 0: sends answer 503 unless Sandbox is on.');
}
