// A free TCP port to listen on (a networking helper: not the hexagonal ports of functions/lib/ports.ts).
//
// Ports are drawn below the kernel's ephemeral range (Linux: 32768–60999). A port the kernel hands out
// for "port 0" or for an outgoing connection's local end can be taken by any process at any moment:
// between choosing it and listening, or while a local cloud restarts on the same ports. CI once failed
// on exactly that (EADDRINUSE on a restart). Below the range only another freePort caller can collide,
// and each candidate is checked by listening on it first.
import { createServer } from 'node:net';

const LOWEST = 20_000;
const HIGHEST = 32_000;
const handedOut = new Set<number>();

function listensOn(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port nobody listens on right now (for tests that run beside a developer's own local cloud). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    // Never the same port twice in one process: two callers may choose before either listens.
    if (handedOut.has(port)) continue;
    if (await listensOn(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST} on ${host}`);
}
