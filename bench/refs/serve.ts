// How every reference server runs: keep-alive, loopback on PORT (0 = any), {"url"} printed once listening
// (bench/lib/server.ts waits for it), a clean exit on SIGTERM.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function serve(server: Server): void {
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }));
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
