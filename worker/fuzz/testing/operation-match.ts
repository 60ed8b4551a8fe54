import type { FuzzOperation } from './route-catalog.ts';

/** Escapes `text` for use inside a regular expression. */
function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function patternOf(path: string): RegExp {
  const parts = path.split(/\{[A-Za-z_][A-Za-z0-9_]*\}/g).map(escaped);
  return new RegExp(`^${parts.join('[^/]+')}$`);
}

/**
 * The operation a request lands on, by its method and the path the URL parser leaves (so `..`
 * segments are resolved first); HEAD lands on GET. Undefined where no route answers it.
 *
 * @example
 * const operation = operationAt(operations, 'GET', 'http://edge.test/v1/jobs/job_1');
 */
export function operationAt(
  operations: readonly FuzzOperation[],
  method: string,
  url: string,
): FuzzOperation | undefined {
  const { pathname } = new URL(url);
  const verb = method === 'HEAD' ? 'GET' : method;
  return operations.find(
    (operation) => operation.method === verb && patternOf(operation.path).test(pathname),
  );
}
