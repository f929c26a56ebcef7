/** client-node's ApiException, recognised by shape so that this file does not load client-node. */
interface ApiException {
  readonly code: number;
  readonly body: unknown;
}

function isApiException(error: unknown): error is ApiException {
  return error instanceof Error && typeof (error as Partial<ApiException>).code === 'number' && 'body' in error;
}

/**
 * The HTTP status of a failed API call, or undefined for network errors (no answer at all).
 * Typed clients throw ApiException (`code`); the watch client throws an Error with `statusCode`.
 */
export function statusOf(error: unknown): number | undefined {
  if (isApiException(error)) return error.code;
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** The apiserver's own message (its Status.message) when there is one, else the error's. */
export function messageOf(error: unknown): string {
  if (isApiException(error)) {
    const body: unknown = typeof error.body === 'string' ? safeParse(error.body) : error.body;
    const message = (body as { message?: unknown } | undefined)?.message;
    return typeof message === 'string' ? `${error.code}: ${message}` : `HTTP ${error.code}`;
  }
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return status === undefined ? message : `${status}: ${message}`;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
