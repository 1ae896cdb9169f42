// What a page shows when its data could not be loaded: locked (401) or the error with a retry.
import { ApiError, describeError } from './api';
import { promptToken } from './auth';
import { errorState, h, icon } from './dom';
import { ICONS } from './icons';

export function errorView(err: unknown, retry?: () => void): HTMLElement {
  if (err instanceof ApiError && err.status === 401) {
    return h(
      'div',
      { class: 'empty locked', role: 'alert' },
      icon(ICONS.lock),
      h('p', { class: 'empty-title' }, 'Locked'),
      h('p', { class: 'muted' }, 'This server requires an access token for its API.'),
      h('button', { type: 'button', class: 'btn btn-primary', onclick: () => promptToken() }, 'Enter access token'),
    );
  }
  return errorState(describeError(err), retry);
}
