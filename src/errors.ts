/**
 * Domain errors: framework-free, thrown by services and the engine host, mapped to HTTP in one place
 * (src/http/error.filter.ts). `code` is the stable machine-readable name clients switch on.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request itself is wrong; details name the field. */
export class ValidationError extends DomainError {
  constructor(message: string, details?: unknown, code = 'validation_failed') {
    super(code, message, details);
  }
}

/** 422: a diagram was refused at deploy; details list element ids and reasons. */
export class DeploymentRejectedError extends DomainError {
  constructor(message: string, readonly problems: Array<{ element?: string; reason: string }>) {
    super('deployment_rejected', message, problems);
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('not_found', message, details);
  }
}

/** 409: the state does not allow it (already completed, claimed by someone else, concurrent step). */
export class ConflictError extends DomainError {
  constructor(message: string, details?: unknown, code = 'conflict') {
    super(code, message, details);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'Send Authorization: Bearer <token>') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('forbidden', message);
  }
}
