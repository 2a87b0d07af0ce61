import { createServer, type Server } from 'node:http';

export interface HookRequest {
  key: string;
  signature: string;
  body: string;
  /** The raw body, base64: push messages are binary. */
  b64: string;
  path: string;
  authorization: string;
  encoding: string;
  status: number;
}

/**
 * A webhook and push-service receiver on loopback for the workerd tests: any POST records the request and answers 500
 * while failures are queued (`POST /__fail?n=2`), else 200; `GET /__log` lists what arrived.
 */
export async function startWebhookSink(): Promise<{ url: string; close: () => Promise<void> }> {
  const log: HookRequest[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      if (url.pathname === '/__fail') {
        failures = Number(url.searchParams.get('n') ?? 1);
        log.length = 0;
        return res.end('{}');
      }
      if (url.pathname === '/__log') return res.end(JSON.stringify(log));
      const status = failures > 0 ? 500 : 200;
      if (failures > 0) failures--;
      log.push({
        key: String(req.headers['idempotency-key']), signature: String(req.headers['x-edgetape-signature']), body, b64: raw.toString('base64'),
        path: url.pathname, authorization: String(req.headers.authorization ?? ''), encoding: String(req.headers['content-encoding'] ?? ''), status,
      });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}
