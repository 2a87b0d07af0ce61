import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';

/** The one error handler: RFC 9457 problem+json, never a stack trace. */
export const onError: ErrorHandler = (err, c) => {
  const status = err instanceof HTTPException ? err.status : 500;
  if (status >= 500) console.error(err);
  const body = {
    type: 'about:blank',
    title: status >= 500 ? 'Internal Server Error' : err.message || 'Request failed',
    status,
    detail: status >= 500 ? 'The edge could not complete the request.' : err.message,
    instance: new URL(c.req.url).pathname,
  };
  return c.body(JSON.stringify(body), status, { 'content-type': 'application/problem+json' });
};
