/**
 * What the engine host needs from deadline arithmetic. The implementation is the calendar module
 * (src/calendar), bound per county; the host only asks "is this expression valid" and "when is it due".
 */
export interface DeadlineResolution {
  due: Date;
  /** Computed with weekends only because a year's calendar is not loaded yet. */
  provisional: boolean;
}

export interface DeadlinePort {
  /** Throws an Error whose message says what is wrong and what is accepted. */
  validate(expression: string): void;
  compute(countyId: string, expression: string, from: Date, variables: Record<string, unknown>): DeadlineResolution;
}
