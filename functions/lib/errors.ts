// Typed errors of the use cases; the HTTP middleware maps them to status codes in one place.
import type { FieldProblem } from '#events/inquiry.ts';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(fields: FieldProblem[], message = `Invalid ${fields.map((f) => f.field).join(', ')}`) {
    super(400, 'validation_failed', message, fields);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'A valid bearer token is required') {
    super(401, 'unauthorized', message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'Your role may not do this') {
    super(403, 'forbidden', message);
  }
}
export class NotFoundError extends AppError {
  constructor(message = 'Not found') {
    super(404, 'not_found', message);
  }
}
export class GoneError extends AppError {
  constructor(message: string) {
    super(410, 'gone', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}
/** The case is no longer at the version the caller acted on (a 409 like any conflict; bulk results tell it apart). */
export class StaleVersionError extends ConflictError {}
export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body must be at most ${limitBytes} bytes`, [
      { field: 'body', message: `must be at most ${limitBytes} bytes` },
    ]);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor(accepted: string[]) {
    super(415, 'unsupported_media_type', `Content-Type must be one of ${accepted.join(', ')}`, [
      { field: 'Content-Type', message: `must be one of ${accepted.join(', ')}` },
    ]);
  }
}
export class IdempotencyMismatchError extends AppError {
  constructor() {
    super(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body', [
      { field: 'Idempotency-Key', message: 'was already used with a different request body' },
    ]);
  }
}
/** Too much contention to finish now; safe to retry (nothing was written). */
export class BusyError extends AppError {
  constructor() {
    super(503, 'busy', 'Please retry in a moment');
  }
}
/**
 * A rating link that cannot rate (forged, expired, unknown case, already used, superseded): its own status and
 * code, so the ratings page can say which; nothing was written.
 */
export class RatingRefusedError extends AppError {
  constructor(status: 400 | 404 | 409 | 410, code: 'rating_link_invalid' | 'rating_link_expired' | 'rating_case_unknown' | 'already_rated' | 'rating_superseded' | 'not_rateable', message: string) {
    super(status, code, message);
  }
}
