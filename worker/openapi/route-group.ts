import { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { refuseInvalidInput } from './validation-hook.ts';

/**
 * A group of documented routes (`group.openapi(createRoute(…), handler)`), or the app that mounts
 * them: an `OpenAPIHono` whose failed validations answer the shared error envelope. Each group
 * carries the hook itself, since zod-openapi looks a missing one up in the first app the group
 * was mounted in, and every `createApp` mounts the same groups.
 */
export function routeGroup<E extends Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: refuseInvalidInput });
}
