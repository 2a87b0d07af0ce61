import { zValidator } from '@hono/zod-validator';
import { z } from 'zod';
import { problem } from './errors';

/** zod at the edge: a body, query or param that does not parse is a 400 problem naming the fields, before any handler runs. */
export const valid = <T extends z.ZodType, Target extends 'json' | 'query' | 'param'>(target: Target, schema: T) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw problem(400, `invalid ${target}: ${z.prettifyError(result.error).replace(/\n/g, '; ')}`);
  });
