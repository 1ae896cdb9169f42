// The sandbox switch in the header: always visible, mirrors routing.sandbox.
import { describeError } from './api';
import { onConfig, saveRouting } from './config-store';
import { h } from './dom';
import { toast } from './toast';

export function sandboxToggle(): HTMLElement {
  const input = h('input', { type: 'checkbox', role: 'switch', id: 'sandbox-switch', class: 'switch-input', disabled: true, 'data-needs': 'admin' });
  const wrap = h(
    'label',
    { class: 'switch sandbox-switch', for: 'sandbox-switch', title: 'Sandbox mode: capture every email instead of sending it' },
    input,
    h('span', { class: 'switch-track', 'aria-hidden': 'true' }),
    h('span', { class: 'switch-label' }, 'Sandbox'),
  );
  const paint = (on: boolean): void => {
    input.checked = on;
    wrap.classList.toggle('is-on', on);
    document.body.classList.toggle('sandbox-on', on);
  };
  onConfig((cfg) => {
    input.disabled = false;
    paint(cfg.routing.sandbox);
  });
  input.addEventListener('change', async () => {
    const want = input.checked;
    input.disabled = true;
    try {
      await saveRouting({ sandbox: want });
      toast(want ? 'Sandbox on: email is captured, nothing leaves the machine.' : 'Sandbox off: email is delivered by the providers.', 'info');
    } catch (err) {
      paint(!want);
      toast(`Could not change sandbox mode: ${describeError(err)}`, 'bad');
    } finally {
      input.disabled = false;
    }
  });
  return wrap;
}
