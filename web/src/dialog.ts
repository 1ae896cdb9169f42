// Modal dialogs on the native <dialog> element (focus trap and Escape come with it).
import { h, icon, mount, nextId, type Child } from './dom';
import { ICONS } from './icons';

export interface DialogHandle {
  readonly el: HTMLDialogElement;
  readonly body: HTMLElement;
  close(): void;
}

export function openDialog(title: string, content: Child, opts: { wide?: boolean; onClose?: () => void } = {}): DialogHandle {
  const titleId = nextId('dlg');
  const body = h('div', { class: 'dialog-body' });
  mount(body, content);
  const el = h(
    'dialog',
    { class: opts.wide ? 'dialog dialog-wide' : 'dialog', 'aria-labelledby': titleId },
    h(
      'div',
      { class: 'dialog-head' },
      h('h2', { id: titleId }, title),
      h('button', { type: 'button', class: 'btn-icon', 'aria-label': 'Close', onclick: () => el.close() }, icon(ICONS.close)),
    ),
    body,
  );
  el.addEventListener('close', () => {
    el.remove();
    opts.onClose?.();
  });
  // A click on the backdrop (the dialog element itself, outside its box) closes it.
  el.addEventListener('mousedown', (ev) => {
    if (ev.target === el) el.close();
  });
  document.body.appendChild(el);
  el.showModal();
  return { el, body, close: () => el.close() };
}

export function confirmDialog(title: string, message: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = false;
    const dlg = openDialog(
      title,
      [
        h('p', {}, message),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel'),
          h('button', { type: 'button', class: 'btn btn-danger', onclick: () => ((answer = true), dlg.close()) }, confirmLabel),
        ),
      ],
      { onClose: () => resolve(answer) },
    );
  });
}
