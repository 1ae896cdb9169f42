// Boot: frame, lock, health banner, live stream, config, then the page for the hash.
import './base.css';
import './pages.css';
import './responsive.css';
import { installAuth } from './auth';
import { loadConfig } from './config-store';
import { onStreamStatus, startEvents } from './events';
import { checkHealth, startHealth } from './health';
import { renderLogDetail } from './page-log-detail';
import { renderOutbox } from './page-outbox';
import { renderProviders } from './page-providers';
import { renderRouting } from './page-routing';
import { renderSend } from './page-send';
import { renderKeys } from './page-keys';
import { refreshAccess, startAccess } from './access';
import { render, startRouter, type Route } from './router';
import { buildShell } from './shell';
import { onTokenChange } from './token';

const ROUTES: readonly Route[] = [
  { pattern: '', title: 'Outbox & Logs', nav: 'outbox', render: renderOutbox },
  { pattern: 'logs', title: 'Outbox & Logs', nav: 'outbox', render: renderOutbox },
  { pattern: 'logs/:id', title: 'Email', nav: 'outbox', render: renderLogDetail },
  { pattern: 'providers', title: 'Providers', nav: 'providers', render: renderProviders },
  { pattern: 'routing', title: 'Routing', nav: 'routing', render: renderRouting },
  { pattern: 'send', title: 'Test Send', nav: 'send', render: renderSend },
  { pattern: 'keys', title: 'API keys', nav: 'keys', render: renderKeys },
];

const shell = buildShell(document.getElementById('app')!);
installAuth();
startHealth(shell.banners);
startEvents();
void loadConfig().catch(() => {});
// The page is drawn once it is known what the credential may do (read-only for a `read` key).
void startAccess().finally(() => startRouter(shell.content, ROUTES, (route) => shell.setPage(route.title, route.nav)));

// The stream coming back means the server is back: clear an "API unreachable" banner now.
let streamWasDown = false;
onStreamStatus((s) => {
  if (s === 'live' && streamWasDown) void checkHealth();
  streamWasDown = s === 'offline';
});

// A new token (or none) may change what every call returns: reload everything once.
onTokenChange(() => {
  void loadConfig().catch(() => {});
  void checkHealth();
  void refreshAccess().finally(render);
});
