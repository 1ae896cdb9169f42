#!/usr/bin/env -S node --max-semi-space-size=8
// Reads the environment, opens config and database, starts HTTP (and the services beside it), owns shutdown.
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import pino from 'pino';
import { readSettings, SettingsError, type Settings } from './settings.js';
import type { ConfigStore } from './config/store.js';
import { openConfig } from './config/open-config.js';
import { ConfigImportError } from './config/shared-store.js';
import { defaultConfig } from './config/defaults.js';
import { openStore } from './store/open-store.js';
import type { Stores } from './store/stores.js';
import { createGateway, type Service } from './gateway.js';
import { VERSION } from './version.js';
import { createSmtpIngress } from './smtp/ingress.js';
import { Presence } from './queue/presence.js';
import { takeOver } from './queue/handover.js';

/** One clear line on stderr and a non-zero exit: never a stack trace for a startup problem. */
function die(message: string): never {
  process.stderr.write(`protopost: ${message}\n`);
  process.exit(1);
}

function describeOpenError(what: string, path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'ENOENT' ? 'directory does not exist' : e.message;
  return `cannot open ${what} at ${path}: ${why}`;
}

/** The database the instances share, named without credentials: instances of one database see each other. */
function presenceScope(settings: Settings): string {
  if (!settings.databaseUrl) {
    const path = resolve(settings.databasePath);
    return `sqlite:${existsSync(path) ? realpathSync(path) : path}`;
  }
  try {
    const u = new URL(settings.databaseUrl);
    return `postgres:${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

export async function start(settings: Settings) {
  const logger = pino({
    level: settings.logLevel,
    redact: { paths: ['req.headers.authorization', '*.api_key', '*.password', '*.secret_access_key', '*.gmail_app_password', '*.smtp_password'], censor: '[redacted]' },
  });

  let stores: Stores;
  try {
    stores = await openStore(settings, (details, message) => logger.warn(details, message));
  } catch (err) {
    die(settings.databaseUrl ? `cannot use the database at DATABASE_URL: ${(err as Error).message}` : describeOpenError('database', settings.databasePath, err));
  }

  // In PostgreSQL mode the config lives in the database (CONFIG_PATH only imported once), so the store opens first.
  let config: ConfigStore;
  try {
    config = await openConfig(settings.configPath, stores, () => defaultConfig(process.env), (message) => logger.error({ config_error: message }, 'config.json rejected; the last good config stays in force'));
  } catch (err) {
    die(err instanceof ConfigImportError ? err.message : describeOpenError('config', settings.configPath, err));
  }

  // Before anything takes a lease under this INSTANCE_ID: what its last process left in flight here is orphaned.
  const { presence, previous } = await Presence.join(presenceScope(settings), settings.instanceId);
  if (previous === 'alive') logger.error({ instance: settings.instanceId }, 'another running process on this host uses this INSTANCE_ID: give each instance its own');
  if (previous === 'gone') {
    const taken = await takeOver(stores, settings.instanceId).catch((err) => {
      logger.error({ err }, 'could not take over the last process’s leases: they expire by themselves');
      return { emails: 0, webhooks: 0 };
    });
    if (taken.emails || taken.webhooks) logger.warn({ instance: settings.instanceId, ...taken }, 'the last process with this INSTANCE_ID ended with work in flight: taking it over now');
  }

  const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
  const { app, dispatcher, credentials, services: gatewayServices } = await createGateway(settings, config, stores, logger, webRoot, presence);

  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') die(`port ${settings.port} on ${settings.host} is already in use (set PORT to another port)`);
    if (e.code === 'EACCES') die(`no permission to listen on ${settings.host}:${settings.port}`);
    if (e.code === 'EADDRNOTAVAIL') die(`cannot bind ${settings.host}: no such local address (set HOST)`);
    die(`cannot listen on ${settings.host}:${settings.port}: ${e.message}`);
  }
  // Services that run beside HTTP (SMTP ingress, queue worker, retention), started after it, stopped before the database closes.
  const services: Service[] = [...gatewayServices];
  if (settings.smtpPort !== null) {
    const { host, smtpPort: port, smtpMaxBytes: maxBytes, smtpTlsCert: tlsCert, smtpTlsKey: tlsKey, shutdownGraceMs: graceMs } = settings;
    const limits = { maxClients: settings.smtpMaxClients, maxRecipients: settings.smtpMaxRecipients, idleTimeoutMs: settings.smtpIdleTimeoutMs };
    services.push(createSmtpIngress({ host, port, maxBytes, credentials, tlsCert, tlsKey, graceMs, ...limits, dispatcher, logger, die }));
  }
  for (const service of services) await service.start();

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  logger.info({ version: VERSION, url: `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`, config: settings.configPath, database: settings.databaseUrl ? 'postgres' : settings.databasePath, instance: settings.instanceId }, 'ProtoPost listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, waiting for in-flight sends');
    const forced = setTimeout(() => {
      logger.warn('in-flight work did not finish in time; exiting (queued email stays queued)');
      void stores.close().finally(() => process.exit(0));
    }, settings.shutdownGraceMs);
    forced.unref();
    // Intake stops everywhere at once; each part then lets its in-flight work finish (bounded).
    await Promise.all([
      app.close().catch(() => {}),
      ...services.map((s) => s.stop().catch((err) => logger.error({ err }, 'service stop failed'))),
    ]);
    await stores.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return { app, port };
}

const isEntry = process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1]);
if (isEntry) {
  let settings: Settings;
  try {
    settings = readSettings();
  } catch (err) {
    if (err instanceof SettingsError) die(err.message);
    throw err;
  }
  await start(settings);
}
