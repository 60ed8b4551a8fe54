import type { ZodError } from 'zod';
import { ApiError } from '../../shared/index.ts';

/** The part of zod-openapi's hook argument a hook here reads. */
type ValidationResult = { readonly success: true } | { readonly success: false; readonly error: ZodError };

/**
 * Default hook of every route group: a path, query or header value that fails the route's schema is
 * 400 `invalid_request` naming the first bad field in `param`, in the shared envelope (thrown on to
 * `app.onError`), the way `parseJsonBody` refuses a bad JSON body. Without it zod-openapi would
 * answer zod's raw issues.
 */
export function refuseInvalidInput(result: ValidationResult): undefined {
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  const param = issue && issue.path.length > 0 ? issue.path.join('.') : null;
  throw new ApiError(
    'invalid_request',
    issue ? `${param ?? 'request'}: ${issue.message}` : 'invalid request',
    {
      param,
    },
  );
}

/**
 * A route's own hook: any value that fails the route's schema is `refusal()`, for routes whose
 * malformed input has a more specific answer than 400 (a signed URL's 403).
 */
export function refuseWith(refusal: () => ApiError): (result: ValidationResult) => undefined {
  return (result) => {
    if (result.success) return undefined;
    throw refusal();
  };
}
