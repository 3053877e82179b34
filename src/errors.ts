/**
 * The project's errors: framework-free, thrown by services and the engine host, turned into HTTP answers
 * in one place (src/http/error.filter.ts). Every answer has the same shape:
 *
 *   {"error": <code>, "message": <text a person can act on>, "details": [{"field", "reason", …}]}
 *
 * `code` is the stable machine-readable name clients switch on; ERROR_CODES lists them all. `details`,
 * when present, is always a list of FieldError: which input (or which element, which task) and why. A
 * detail may carry more facts beside field and reason (the id of the rating in force, the assignee).
 */

/** One problem with one input: `field` names it as the client sent it (e.g. evaluator.phone, options[2]). */
export interface FieldError {
  field: string;
  reason: string;
  [fact: string]: unknown;
}

/** Every error code an answer may carry, with its HTTP status. */
export const ERROR_CODES = {
  validation_failed: 400,
  form_invalid: 400,
  invalid_deadline: 400,
  unknown_service_case: 400,
  clock_not_controllable: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  duplicate_business_key: 409,
  task_not_open: 409,
  task_claimed: 409,
  task_not_waiting: 409,
  instance_not_running: 409,
  instance_incident: 409,
  concurrent_step: 409,
  idempotency_conflict: 409,
  already_rated: 409,
  concurrent_rating: 409,
  service_case_conflict: 409,
  county_not_configured: 409,
  process_not_deployed: 409,
  /** An external task not locked by the worker that reports on it (or its lock lapsed). */
  external_task_locked: 409,
  /** A deploy or migration would leave running instances waiting at elements the new version lacks. */
  migration_required: 409,
  body_too_large: 413,
  deployment_rejected: 422,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A detail as thrown: when it gives no reason, the error's message is the reason. */
export type FieldProblem = { field: string; reason?: string; [fact: string]: unknown };

export class DomainError extends Error {
  readonly details?: FieldError[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    details?: FieldProblem | FieldProblem[],
  ) {
    super(message);
    this.name = new.target.name;
    if (details !== undefined) this.details = (Array.isArray(details) ? details : [details]).map((d) => ({ ...d, reason: d.reason ?? message }));
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

/** 400: the request itself is wrong; details name the fields. */
export class ValidationError extends DomainError {
  constructor(message: string, details?: FieldProblem | FieldProblem[], code: ErrorCode = 'validation_failed') {
    super(code, message, details);
  }
}

/** 422: a diagram was refused at deploy; details name the elements (field = element id) and why. */
export class DeploymentRejectedError extends DomainError {
  constructor(
    message: string,
    readonly problems: Array<{ element?: string; reason: string }>,
  ) {
    super(
      'deployment_rejected',
      message,
      problems.map((p) => ({ field: p.element ?? 'diagram', reason: p.reason, ...(p.element ? { element: p.element } : {}) })),
    );
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string, details?: FieldProblem | FieldProblem[]) {
    super('not_found', message, details);
  }
}

/** 409: the state does not allow it (already completed, claimed by someone else, concurrent step). */
export class ConflictError extends DomainError {
  constructor(message: string, details?: FieldProblem | FieldProblem[], code: ErrorCode = 'conflict') {
    super(code, message, details);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'Send Authorization: Bearer <token>') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string, details?: FieldProblem | FieldProblem[]) {
    super('forbidden', message, details);
  }
}

/** 413: a batch or upload larger than the server takes. */
export class PayloadTooLargeError extends DomainError {
  constructor(message: string) {
    super('body_too_large', message);
  }
}

/** A bad setting found at boot (environment, key files): the server does not start. */
export class ConfigError extends Error {}
