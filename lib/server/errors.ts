// Error replies: every error is `{"error": "<message>"}` with a meaningful status, and nothing in a
// reply names a host path, a stack frame or the environment. Messages about the request (bad JSON,
// a schema violation, a field of a group) are kept; anything unexpected becomes "internal error".
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** An error whose message is written for the client. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

// An absolute path of two or more segments (/usr/bin/python3, /tmp/verpo-x/solution.py); a lone
// "/" as in "a/b" or "1/2" is not one.
const ABSOLUTE_PATH = /(^|[\s"'`(=:,[])\/(?:[\w.@+-]+\/)+[\w.@+-]*/g;

/** Replaces absolute paths with <path>. Used on every message that leaves the server. */
export function redactPaths(message: string): string {
  return message.replace(ABSOLUTE_PATH, (_m, lead: string) => `${lead}<path>`);
}

/** Messages that come from the request itself and are safe (and useful) to send back. */
function clientMessage(e: FastifyError): { status: number; message: string } | null {
  if (e instanceof HttpError) return { status: e.statusCode, message: e.message };
  if (e.validation) return { status: 400, message: `invalid request: ${e.message}` };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, message: 'request body is larger than this server accepts (see --max-body-mb)' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: 'unsupported Content-Type: send application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, message: 'request body is empty: expected a JSON object' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, message: 'Content-Length does not match the body' };
  }
  // Fastify's JSON parser raises the SyntaxError of JSON.parse with status 400.
  if (e.statusCode === 400 && (e.name === 'SyntaxError' || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY')) {
    return { status: 400, message: `request body is not valid JSON: ${e.message}` };
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return { status: e.statusCode, message: e.message };
  return null;
}

export function errorHandler(onRejected: (reason: string) => void) {
  return (e: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const known = clientMessage(e);
    if (known === null) request.log.error({ err: e }, 'internal error');
    const status = known?.status ?? 500;
    const message = known ? redactPaths(known.message) : 'internal error';
    // 429 and the queue's 413 are counted where they are raised; body-size 413s and invalid requests here
    if (status === 413 && !(e instanceof HttpError)) onRejected('too_large');
    else if (status === 400 || status === 415) onRejected('invalid');
    if (e instanceof HttpError) for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
    void reply.code(status).type('application/json').send({ error: message });
  };
}
