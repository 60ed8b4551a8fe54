import { z } from 'zod';
import { ApiError } from '../../shared/index.ts';
import { access } from '../middleware/access.ts';

/** What every operator API route shares: its tag, the operator scheme, and the check for it. */
export const adminOperation = {
  tags: ['Admin'],
  ...access('operator'),
};

/** The `:id` of an admin resource, any string (an unknown one is 404). */
export function idParam(description: string) {
  return z.object({ id: z.string().describe(description) });
}

/** 404 `not_found` for an admin resource. */
export function notFound(what: string): ApiError {
  return new ApiError('not_found', `${what} not found`);
}
