import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** An HTTPException whose problem response carries extra headers (Retry-After, WWW-Authenticate). */
export const problem = (status: ContentfulStatusCode, detail: string, headers?: Record<string, string>): HTTPException =>
  new HTTPException(status, { message: detail, cause: headers ? { headers } : undefined });

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  413: 'Content Too Large', 422: 'Unprocessable Content', 426: 'Upgrade Required', 429: 'Too Many Requests',
};

/** The one error handler: RFC 9457 problem+json, never a stack trace. */
export const onError: ErrorHandler = (err, c) => {
  const status = err instanceof HTTPException ? err.status : 500;
  if (status >= 500) console.error(err);
  const body = {
    type: 'about:blank',
    title: status >= 500 ? 'Internal Server Error' : (TITLES[status] ?? 'Request failed'),
    status,
    detail: status >= 500 ? 'The edge could not complete the request.' : err.message,
    instance: new URL(c.req.url).pathname,
  };
  const extra = err instanceof HTTPException ? (err.cause as { headers?: Record<string, string> } | undefined)?.headers : undefined;
  return c.body(JSON.stringify(body), status, { ...extra, 'content-type': 'application/problem+json' });
};
