import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The error codes that clients rely on (docs/authentication.md and docs/sessions.md list where each is used). Every GraphQL error carries one. */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'LIMIT_EXCEEDED',
  'MFA_REQUIRED',
  'TENANT_SUSPENDED',
  /** A part of the system this needed is away for now (a subgraph restarting): try again. */
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A client-facing error: its message is safe to show and its code is one of ERROR_CODES. */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = 'AppError';
  }
}

export const unauthenticated = (message = 'Authentication required') =>
  new AppError('UNAUTHENTICATED', message);
/** For a request refused before execution (a bad token): the response itself is an HTTP 401. */
export const unauthenticatedRequest = (message: string) =>
  new AppError('UNAUTHENTICATED', message, { http: { status: 401 } });
export const forbidden = (message = 'Not allowed') => new AppError('FORBIDDEN', message);
export const notFound = (message = 'Not found') => new AppError('NOT_FOUND', message);
export const badUserInput = (message: string, extensions?: Record<string, unknown>) =>
  new AppError('BAD_USER_INPUT', message, extensions);

/** Apollo's own codes for malformed requests; they describe the request, never the server. */
const REQUEST_ERROR_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
  PERSISTED_QUERY_HASH_MISMATCH: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
};

const KNOWN = new Set<string>(ERROR_CODES);

/**
 * Extensions that services set on purpose for clients. In production nothing else is passed on
 * (the gateway adds `serviceName`, Apollo may add `exception` and more).
 */
const CLIENT_EXTENSIONS = new Set([
  'code',
  'reason',
  'field',
  'limit',
  'max',
  'current',
  'status',
  'retryAfter',
]);

/** Apollo's request errors that come without a code, by message. */
const UNCODED_REQUEST_ERRORS: Record<string, string> = {
  'provided sha does not match query': 'PERSISTED_QUERY_HASH_MISMATCH',
};

/**
 * The code a client sees for an error (one of ERROR_CODES), and, for Apollo's own request
 * errors, their original code as the reason. Logs and metrics use it too, so all three agree.
 */
export function clientErrorCode(error: {
  message: string;
  extensions?: Readonly<Record<string, unknown>>;
}): { code: ErrorCode; reason?: string } {
  // Apollo marks its own uncoded errors INTERNAL_SERVER_ERROR; some are the client's doing.
  const given = error.extensions?.code;
  const rawCode = String(
    (given === undefined || given === 'INTERNAL_SERVER_ERROR'
      ? UNCODED_REQUEST_ERRORS[error.message]
      : undefined) ??
      given ??
      'INTERNAL_SERVER_ERROR',
  );
  if (KNOWN.has(rawCode)) return { code: rawCode as ErrorCode };
  const requestCode = REQUEST_ERROR_CODES[rawCode];
  return requestCode ? { code: requestCode, reason: rawCode } : { code: 'INTERNAL_SERVER_ERROR' };
}

/**
 * Apollo `formatError` for every service: maps each error onto a client code, and in production
 * replaces the message of anything unexpected, so no stack trace, SQL or path reaches a client.
 */
export function createErrorFormatter(options: { production: boolean }) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    const { code, reason } = clientErrorCode(formatted);
    if (options.production && code === 'INTERNAL_SERVER_ERROR') {
      // Nothing of an unexpected error reaches the client: not its message, not its extensions.
      return {
        message: 'Internal server error',
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code },
      };
    }
    const extensions: Record<string, unknown> = { ...formatted.extensions, code };
    if (reason) extensions.reason = reason;
    if (options.production) {
      for (const key of Object.keys(extensions))
        if (!CLIENT_EXTENSIONS.has(key)) delete extensions[key];
    }
    return { ...formatted, extensions };
  };
}
