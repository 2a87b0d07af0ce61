import { createServer, type Server } from 'node:net';

/**
 * `n` loopback ports free right now and distinct from each other (all are held open until every one is
 * known, so the kernel cannot hand the same port out twice), so parallel runs never collide on fixed ones.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      servers.push(srv);
      await new Promise<void>((ok, fail) => {
        srv.on('error', fail);
        srv.listen(0, '127.0.0.1', ok);
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  }
}

export const freePort = async (): Promise<number> => (await freePorts(1))[0]!;
