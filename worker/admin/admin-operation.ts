import { z } from 'zod';
import { ApiError } from '../../shared/index.ts';
import { access } from '../middleware/access.ts';
import { errorResponses, jsonResponse } from '../openapi/index.ts';

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

/** The answers of an admin route about one record: 200 with it, or 404 when there is none. */
export function recordOrNotFound<Schema extends z.ZodType>(schema: Schema, description: string) {
  return { 200: jsonResponse(schema, description), ...errorResponses('operator', ['not_found']) };
}
