import { exports } from 'cloudflare:workers';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { operatorAuthorization } from './tenant-callers.ts';

/** POSTs `body` to an operator route of the Worker under test, with an operator token. */
export async function operatorPost(env: Env, path: string, body: object): Promise<Response> {
  return exports.default.fetch(`http://edge.test${path}`, {
    method: 'POST',
    headers: { authorization: await operatorAuthorization(env), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The answer's status and error; an answer that is no error shows as one with its body as message. */
export async function refusalOf(response: Response) {
  const body: unknown = await response.json();
  const envelope = errorEnvelopeSchema.safeParse(body);
  const error = envelope.success
    ? envelope.data.error
    : { code: null, param: null, message: JSON.stringify(body) };
  return { status: response.status, error };
}
