/**
 * What the application logs through. Lines never hold personal data (see src/privacy/): messages name
 * ids, counties, element ids and counts, never a name, a phone number or free text of a citizen.
 *
 * The server writes one JSON object a line (jsonLogger): {"time","level","msg", …fields, "requestId"}.
 * The request id is that of the HTTP request being served (src/http/create-app.ts takes it from the
 * incoming x-request-id header or makes one, and echoes it in the answer), carried to every line the
 * request causes through the async context below.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  log(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** The request being served, for the lines it causes. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** One JSON line: the time, the level, the message, the fields and the request id (when serving one). */
export function jsonLine(level: Level, msg: string, fields: LogFields = {}, now = new Date()): string {
  const requestId = requestContext.getStore()?.requestId;
  return JSON.stringify({ time: now.toISOString(), level, msg, ...fields, ...(requestId && fields.requestId === undefined ? { requestId } : {}) });
}

/** The server's logger: JSON lines on stdout (stderr for errors), at `minLevel` and above. */
export function jsonLogger(opts: { minLevel?: Level; component?: string; write?: (line: string, level: Level) => void } = {}): Logger & { debug(message: string, fields?: LogFields): void } {
  const order: Level[] = ['debug', 'info', 'warn', 'error'];
  const min = order.indexOf(opts.minLevel ?? 'info');
  const write = opts.write ?? ((line: string, level: Level) => (level === 'error' ? process.stderr : process.stdout).write(line + '\n'));
  const emit = (level: Level, msg: string, fields?: LogFields) => {
    if (order.indexOf(level) < min) return;
    write(jsonLine(level, msg, opts.component ? { component: opts.component, ...fields } : fields), level);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    log: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
