// A free TCP port to listen on (a networking helper: not the hexagonal ports of functions/lib/ports.ts).
import { createServer } from 'node:net';

/** A port nobody listens on right now (for tests that run beside a developer's own local cloud). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
