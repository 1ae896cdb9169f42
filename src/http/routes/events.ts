// GET /api/events: Server-Sent Events, one `log` event per new or changed log record. The dashboard reads it
// with fetch (so the bearer header can be sent); tokens never go in URLs.
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { LogSummary } from '../../core/email-log.js';
import type { ChangeFeed, LogChange } from '../../store/change-feed.js';
import { ErrorBody } from '../schemas.js';

const HEARTBEAT_MS = 15_000;
/** A client this far behind is dropped rather than buffered without bound; it reconnects and reloads. */
const MAX_BACKLOG_BYTES = 1 << 20;

/** `maxClients`: streams open at once; one more is answered 503 (EVENTS_MAX_CLIENTS). */
export function eventRoutes(app: FastifyInstance, changes: ChangeFeed, maxClients = 100): void {
  const clients = new Set<ServerResponse>();
  let unsubscribe: (() => void) | undefined;
  // Frames go out in the order changes were made, even when a backend reads summaries asynchronously.
  let inOrder: Promise<void> = Promise.resolve();

  const onChange = (change: LogChange) => {
    const summary = change.summary(); // asked now: the record as of this change
    inOrder = inOrder.then(async () => {
      const s = await summary.catch(() => undefined);
      if (s) broadcast(s);
    });
  };
  const broadcast = (summary: LogSummary) => {
    const frame = `event: log\nid: ${summary.id}\ndata: ${JSON.stringify(summary)}\n\n`;
    for (const res of clients) {
      if (res.writableLength > MAX_BACKLOG_BYTES) res.destroy();
      else res.write(frame);
    }
  };
  const heartbeat = setInterval(() => {
    for (const res of clients) res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  // Streams never end by themselves: close them first so shutdown does not wait on them.
  app.addHook('preClose', async () => {
    clearInterval(heartbeat);
    for (const res of clients) res.end();
    clients.clear();
  });

  app.get(
    '/api/events',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['logs'],
        summary: 'Live log events (text/event-stream): `event: log`, `data:` a log summary, one per new or changed record',
        response: {
          200: { description: 'an event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          503: { ...ErrorBody, description: 'Too many event streams are open' },
        },
      },
    },
    (req, reply) => {
      if (clients.size >= maxClients) {
        return reply.code(503).header('retry-after', '5').send({ detail: { message: `Too many live event streams open (at most ${maxClients}, EVENTS_MAX_CLIENTS); close one and retry` } });
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\nretry: 2000\n\n');
      if (clients.size === 0) unsubscribe = changes.subscribe(onChange);
      clients.add(res);
      req.raw.on('close', () => {
        clients.delete(res);
        if (clients.size === 0) unsubscribe?.();
      });
    },
  );
}
