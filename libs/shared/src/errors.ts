/**
 * A small error hierarchy with a stable `code` and a `retriable` flag (after kafkajs' KafkaJSError).
 * Retry logic reads `retriable`; every code is listed in docs/errors.md and a test keeps the two in step.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'a configuration variable is missing or invalid',
  EVENT_INVALID_JSON: 'an event is not valid JSON',
  EVENT_SCHEMA: 'an event does not match its schema',
  EVENT_VERSION: 'an event carries an unsupported schema version',
  FETCH_TIMEOUT: 'a fetch did not complete within its time limit',
  FETCH_TOO_LARGE: 'a response body exceeded its byte limit',
  FETCH_HTTP: 'a fetch returned a non-success HTTP status',
  FETCH_NETWORK: 'a fetch failed at the network level',
  FETCH_BLOCKED: 'a fetch was refused by the SSRF guard (private, loopback, link-local or metadata address)',
  FETCH_BAD_URL: 'a URL is malformed or uses an unsupported scheme',
  IMAGE_DECODE: 'an image could not be decoded',
  IMAGE_TOO_LARGE: 'an image exceeds the pixel limit (decompression bomb guard)',
  IMAGE_UNSUPPORTED: 'a resource is not an image format that is supported',
  FEED_PARSE: 'a feed document could not be parsed',
  FEED_TOO_LARGE: 'a feed document exceeds the size or item limit',
  EXTRACT_FAILED: 'an image extraction job failed for good (per image, inside a FusedEvent)',
  EXTRACT_MISSING: 'no result from an image extraction job (per image, inside a FusedEvent)',
  JOIN_INCOMPLETE: 'the fusion join found no usable modality',
  MODEL_UNAVAILABLE: 'a model file is missing or failed verification',
  EMBEDDER_FAILED: 'the sentence embedder (MiniLM) failed',
  SENTIMENT_FAILED: 'the sentiment analysis (lexicons or the learned model) failed',
  LANGUAGE_UNSUPPORTED:
    "no model reads the article's language: its text sentiment and text relevance are null (not an error of the pipeline)",
  DETECTOR_FAILED: 'the object detector failed to load',
  OCR_FAILED: 'the OCR models failed to load',
  FACES_FAILED: 'the face and expression models failed to load',
  JOINT_EMBEDDER_FAILED: 'the joint image–text embedder failed',
  MODEL_HOST_FAILED: "extract's model host thread did not answer (restarted, stopped or timed out)",
  JOB_THREAD_FAILED: 'an extract job thread ended with jobs in progress (they are retried)',
  WEIGHTS_INVALID: 'a committed weights or calibration file is missing or does not match its schema',
  INFRA_UNAVAILABLE: 'Kafka or Redis is not reachable',
  AUTH_REQUIRED: 'a request lacks a valid bearer token',
  BAD_REQUEST: 'a request has an invalid query or parameter',
  NOT_FOUND: 'a requested resource does not exist',
  TOO_MANY_CLIENTS: 'too many live (SSE) connections are open',
  REQUEST_INVALID: 'a request body is too large or of an unsupported media type',
  INTERNAL: 'an unexpected internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code);

/** The HTTP status a code answers with when a service's HTTP adapter returns it (docs/errors.md). */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  EVENT_INVALID_JSON: 400,
  EVENT_SCHEMA: 400,
  EVENT_VERSION: 400,
  BAD_REQUEST: 400,
  AUTH_REQUIRED: 401,
  NOT_FOUND: 404,
  REQUEST_INVALID: 413,
  INFRA_UNAVAILABLE: 503,
  TOO_MANY_CLIENTS: 503,
  INTERNAL: 500,
};

/** The one HTTP error body of every service: `{ error: { code, message, field?, retriable } }`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; retriable: boolean };
}

export function errorBody(code: ErrorCode, message: string, opts: { field?: string; retriable?: boolean } = {}): ErrorBody {
  return { error: { code, message, ...(opts.field === undefined ? {} : { field: opts.field }), retriable: opts.retriable ?? false } };
}

export interface NewsFuseErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class NewsFuseError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: NewsFuseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retriable: this.retriable, details: this.details };
  }
}

export class ConfigError extends NewsFuseError {
  constructor(variable: string, problem: string) {
    super('CONFIG_INVALID', `${variable}: ${problem}`, { details: { variable } });
  }
}

export class DecodeError extends NewsFuseError {
  readonly field: string | undefined;
  constructor(code: 'EVENT_INVALID_JSON' | 'EVENT_SCHEMA' | 'EVENT_VERSION', message: string, field?: string, cause?: unknown) {
    super(code, message, { cause, details: field === undefined ? undefined : { field } });
    this.field = field;
  }
}

export class FetchError extends NewsFuseError {}
export class ImageError extends NewsFuseError {}
export class FeedError extends NewsFuseError {}

/**
 * Normalises anything thrown into a NewsFuseError (unknown errors become INTERNAL, non-retriable). A
 * wrapper whose `cause` is a NewsFuseError (BullMQ's UnrecoverableError around a coded failure) keeps
 * that code.
 */
export function toNewsFuseError(err: unknown): NewsFuseError {
  if (err instanceof NewsFuseError) return err;
  if (err instanceof Error && err.cause instanceof NewsFuseError) return err.cause;
  const message = err instanceof Error ? err.message : String(err);
  return new NewsFuseError('INTERNAL', message, { cause: err });
}

/**
 * Runs `f`; a failure that is not already coded becomes `code` (not retriable), naming `what` failed,
 * so a model's failure reaches the dead letter or the failed-image record as its own code, not INTERNAL.
 */
export async function withCode<T>(code: ErrorCode, what: string, f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof NewsFuseError) throw err;
    throw new NewsFuseError(code, `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export function isRetriable(err: unknown): boolean {
  return err instanceof NewsFuseError ? err.retriable : false;
}

/** The innermost `cause` of an error chain (kafkajs wraps the broker's error in retry errors). */
function rootCause(err: unknown): unknown {
  let e = err;
  for (let i = 0; i < 10 && e instanceof Error && e.cause !== undefined; i++) e = e.cause;
  return e;
}

const TRANSIENT_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Whether a failure is the infrastructure's, not the input's: the same input may succeed later, so it
 * must be retried (redelivered, not committed), never dead-lettered.
 *
 * - a NewsFuseError: its `retriable` flag;
 * - a kafkajs error (`KafkaJS…`): a send or request that ran out of retries (`KafkaJSNumberOfRetriesExceeded`),
 *   or whose root cause kafkajs marks retriable (connection refused or closed, request timeout, leader not
 *   available…), as kafkajs' own consumer decides whether to restart; a broker's non-retriable answer
 *   (`MESSAGE_TOO_LARGE`, `INVALID_RECORD`, …) is permanent;
 * - an ioredis error: the connection closed or refused, or MaxRetriesPerRequestError;
 * - anything else (a decode error, a bug): not transient.
 */
export function isTransientInfraError(err: unknown): boolean {
  if (err instanceof NewsFuseError) return err.retriable;
  if (!(err instanceof Error)) return false;
  const root = rootCause(err);
  if (err.name === 'KafkaJSAggregateError') return ((err as { errors?: unknown[] }).errors ?? []).some(isTransientInfraError);
  if (err.name.startsWith('KafkaJS')) {
    if (root instanceof Error && root.name.startsWith('KafkaJS') && root !== err) {
      return (root as { retriable?: boolean }).retriable === true || root.name === 'KafkaJSConnectionError';
    }
    return err.name === 'KafkaJSNumberOfRetriesExceeded' || (err as { retriable?: boolean }).retriable === true;
  }
  if (err.name === 'MaxRetriesPerRequestError' || /^Connection is closed\.?$/.test(err.message)) return true;
  const code = (root as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown }).code;
  return typeof code === 'string' && TRANSIENT_NET_CODES.has(code);
}
