import * as path from 'node:path';
import { ConfigError } from './errors';

/** Typed configuration, read from the environment once at boot. A bad value stops the boot naming the variable. */
export interface AppConfig {
  port: number;
  host: string;
  /** PostgreSQL connection string; when absent the embedded PGlite database in dataDir is used. */
  databaseUrl?: string;
  dataDir: string;
  processesDir: string;
  templatesDir: string;
  /** The browser pages: ui/pages (HTML shells) and dist/ui/assets (the bundles `npm run build` writes). */
  uiDir: string;
  /** `PUT /api/v1/admin/clock` allowed (never in production). */
  clockControl: boolean;
  /** Scheduler poll interval for due timers and outbox rows. */
  pollIntervalMs: number;
  /** How many due timers one poll claims. */
  timerBatchSize: number;
  /**
   * TIMER_FAST_PATH (default true): a due timer that only notifies (a reminder, an escalation: a
   * non-interrupting boundary timer → notify tasks → end) is fired in a batch without its engine, which
   * catches up at the instance's next step (src/engine/timer-batch.ts). false: every firing is a full step.
   */
  timerFastPath: boolean;
  /** Lease on a claimed timer / outbox row before another process may take it over. */
  leaseMs: number;
  /** Start the scheduler loops (tests may disable and drive them by hand). */
  schedulerEnabled: boolean;
  nodeId: string;
  /** Secret for webhook signatures (HMAC-SHA256). */
  webhookSecret: string;
  notificationTransport: 'log' | 'webhook';
  webhookUrl?: string;
  /** Maximum delivery attempts of an outbox row before it is parked as dead. */
  outboxMaxAttempts: number;
  /** Engines of running instances kept in memory between steps (0: recover every step from the database). */
  engineCacheSize: number;
  /** ENGINE_CACHE_MB: and their approximate heap (weighed by their stored state; see src/engine/runner.ts). */
  engineCacheMb: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  production: boolean;
  /** PII_KEY: base64 of the 32-byte key that encrypts evaluator data (required with PostgreSQL; see src/privacy/cipher.ts). */
  piiKey?: string;
  /** ADMIN_TOKEN: the token of the administrator `admin` (created, or re-enabled with a fresh lifetime, at start). */
  adminToken?: string;
  /** TOKEN_TTL_DAYS: how long a bearer token works after it was issued. */
  tokenTtlDays: number;
  /** STEP_MAX_ACTIVITIES: activities one step may enter before it is aborted as an incident. */
  stepMaxActivities: number;
  /** STEP_MAX_MS: wall time one step may take before it is aborted as an incident. */
  stepMaxMs: number;
  /** METRICS_TOKEN: a bearer token that may read GET /metrics and nothing else (for a Prometheus server). */
  metricsToken?: string;
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const production = env.NODE_ENV === 'production';
  const root = projectRoot();
  const clockControl = bool(env, 'CLOCK_CONTROL', false);
  if (clockControl && production) throw new ConfigError('CLOCK_CONTROL=true is refused when NODE_ENV=production');
  const transport = (env.NOTIFY_TRANSPORT ?? 'log') as AppConfig['notificationTransport'];
  if (transport !== 'log' && transport !== 'webhook') throw new ConfigError(`NOTIFY_TRANSPORT must be log or webhook, got "${transport}"`);
  if (transport === 'webhook' && !env.WEBHOOK_URL) throw new ConfigError('NOTIFY_TRANSPORT=webhook needs WEBHOOK_URL');
  const level = (env.LOG_LEVEL ?? 'log') as AppConfig['logLevel'];
  if (!['error', 'warn', 'log', 'debug'].includes(level)) throw new ConfigError(`LOG_LEVEL must be error, warn, log or debug, got "${level}"`);
  const cfg: AppConfig = {
    port: int(env, 'PORT', 3000),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR ?? path.join(root, 'data')),
    processesDir: path.resolve(env.PROCESSES_DIR ?? path.join(root, 'processes')),
    templatesDir: path.resolve(env.TEMPLATES_DIR ?? path.join(root, 'templates')),
    uiDir: path.join(root, 'ui'),
    clockControl,
    pollIntervalMs: int(env, 'POLL_INTERVAL_MS', 500, 10),
    timerBatchSize: int(env, 'TIMER_BATCH_SIZE', 200, 1),
    timerFastPath: bool(env, 'TIMER_FAST_PATH', true),
    leaseMs: int(env, 'LEASE_MS', 30_000, 100),
    schedulerEnabled: bool(env, 'SCHEDULER', true),
    nodeId: env.NODE_ID ?? `node-${process.pid}`,
    webhookSecret: env.WEBHOOK_SECRET ?? 'dev-only-secret',
    notificationTransport: transport,
    webhookUrl: env.WEBHOOK_URL,
    outboxMaxAttempts: int(env, 'OUTBOX_MAX_ATTEMPTS', 8, 1),
    engineCacheSize: int(env, 'ENGINE_CACHE_SIZE', 500, 0),
    engineCacheMb: int(env, 'ENGINE_CACHE_MB', 160, 0),
    logLevel: level,
    production,
    piiKey: env.PII_KEY || undefined,
    adminToken: env.ADMIN_TOKEN || undefined,
    tokenTtlDays: int(env, 'TOKEN_TTL_DAYS', 90, 1),
    stepMaxActivities: int(env, 'STEP_MAX_ACTIVITIES', 1000, 10),
    stepMaxMs: int(env, 'STEP_MAX_MS', 5000, 100),
    metricsToken: env.METRICS_TOKEN || undefined,
  };
  if (cfg.metricsToken && !/^[\x21-\x7e]{16,200}$/.test(cfg.metricsToken)) throw new ConfigError('METRICS_TOKEN must be 16–200 printable characters without spaces');
  if (cfg.adminToken && !/^[\x21-\x7e]{16,200}$/.test(cfg.adminToken)) throw new ConfigError('ADMIN_TOKEN must be 16–200 printable characters without spaces');
  if (cfg.piiKey && Buffer.from(cfg.piiKey, 'base64').length !== 32) throw new ConfigError('PII_KEY must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`)');
  if (production && cfg.webhookSecret === 'dev-only-secret' && transport === 'webhook') {
    throw new ConfigError('WEBHOOK_SECRET must be set in production');
  }
  return { ...cfg, ...overrides };
}

/** Project root (where processes/, templates/, migrations/ live), from src/ or dist/src/. */
export function projectRoot(): string {
  const parts = __dirname.split(path.sep);
  const i = parts.lastIndexOf('dist');
  if (i >= 0) return parts.slice(0, i).join(path.sep);
  return path.resolve(__dirname, '..');
}
