import { env } from 'cloudflare:test';
import { afterAll } from 'vitest';
import { feedNames, feedStub } from '../../worker/objects/stubs';

/**
 * Feeds keep pushing into hubs and relays after a test file's last assertion; work still in flight when the
 * file's runner closes makes vitest report a teardown error. Each file stops every feed it may have started
 * (any later file restarts them through /ws) and lets the last batches drain.
 */
afterAll(async () => {
  await Promise.allSettled(feedNames(env).map((name) => feedStub(env, name).stop()));
  await new Promise((r) => setTimeout(r, 300));
});
