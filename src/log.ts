/** What the application logs through. Lines never hold personal data (see src/privacy/). */
export interface Logger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { log: () => undefined, warn: () => undefined, error: () => undefined };
