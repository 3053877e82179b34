/**
 * What an operator watches, in Prometheus format (GET /metrics). The only module that knows prom-client:
 * the engine reports its steps through its StepObserver port (src/engine/runner.ts), intake its ratings
 * through `rating()`, and the figures read at scrape time (timers due, the outbox, the engine cache) are
 * probes core.ts hands in. Labels are county ids, process keys, kinds and error codes: never a person,
 * a case, a business key or free text.
 *
 * Who may scrape: an installation administrator's token (the access table's `metrics.read`), or the
 * METRICS_TOKEN of the configuration, a token that can do nothing else (for a Prometheus server).
 */
import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsProbes {
  /** Timers due and not yet fired (counted up to a cap), and the lag of the oldest behind its due instant. */
  timers(): Promise<{ due: number; capped: boolean; lagSeconds: number }>;
  /** Notifications waiting for delivery, and parked as dead after their last attempt. */
  outbox(): Promise<{ pending: number; dead: number }>;
  /** Engines kept in memory between steps, and their approximate size. */
  engineCache(): { size: number; approxBytes: number; hits: number; misses: number };
}

/** The step observation of src/engine/runner.ts (structurally: the engine does not import this module). */
export interface ObservedStep {
  kind: string;
  countyId: string;
  processKey: string;
  seconds: number;
  outcome: 'ok' | 'incident' | 'error';
  reason?: string;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly stepSeconds: Histogram<'kind'>;
  private readonly steps: Counter<'county' | 'process' | 'kind'>;
  private readonly failures: Counter<'county' | 'process' | 'kind' | 'reason'>;
  private readonly ratings: Counter<'county' | 'bad'>;

  constructor(
    probes: MetricsProbes,
    private readonly token?: string,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'hcp_' });
    this.stepSeconds = new Histogram({
      name: 'hcp_step_duration_seconds',
      help: 'Wall time of one durable step of an instance (one transaction), by kind: start, complete, timer, message, external, migrate',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.steps = new Counter({ name: 'hcp_steps_total', help: 'Steps taken (committed or not), by county, process and kind', labelNames: ['county', 'process', 'kind'], registers });
    this.failures = new Counter({
      name: 'hcp_step_failures_total',
      help: 'Steps that did not commit (reason: the error code) or were aborted as an incident (reason "incident"), by county, process and kind',
      labelNames: ['county', 'process', 'kind', 'reason'],
      registers,
    });
    this.ratings = new Counter({ name: 'hcp_intake_ratings_total', help: 'Ratings stored, by county and whether bad (不满意 / 非常不满意)', labelNames: ['county', 'bad'], registers });
    // A gauge whose collect sets others is registered before them: a scrape collects in that order.
    let capped: Gauge, lag: Gauge, dead: Gauge, cacheBytes: Gauge;
    new Gauge({
      name: 'hcp_timers_due',
      help: 'Timers due and not yet fired (counted up to 100000; hcp_timers_due_capped is 1 when there are more)',
      registers,
      async collect() {
        const t = await probes.timers();
        this.set(t.due);
        capped.set(t.capped ? 1 : 0);
        lag.set(t.lagSeconds);
      },
    });
    capped = new Gauge({ name: 'hcp_timers_due_capped', help: '1 when more timers are due than hcp_timers_due counts', registers });
    lag = new Gauge({ name: 'hcp_timers_lag_seconds', help: 'How far the oldest due timer lags behind its due instant (0: none due)', registers });
    new Gauge({
      name: 'hcp_outbox_pending',
      help: 'Notifications waiting for delivery (counted up to 100000)',
      registers,
      async collect() {
        const o = await probes.outbox();
        this.set(o.pending);
        dead.set(o.dead);
      },
    });
    dead = new Gauge({ name: 'hcp_outbox_dead', help: 'Notifications parked as dead after their last delivery attempt (counted up to 100000)', registers });
    new Gauge({
      name: 'hcp_engine_cache_size',
      help: 'Engines of running instances kept in memory between steps',
      registers,
      collect() {
        const c = probes.engineCache();
        this.set(c.size);
        cacheBytes.set(c.approxBytes);
      },
    });
    cacheBytes = new Gauge({ name: 'hcp_engine_cache_bytes', help: 'Approximate heap of the engines kept in memory (their stored state times HEAP_BYTES_PER_STATE_BYTE)', registers });
    new Counter({
      name: 'hcp_engine_cache_lookups_total',
      help: 'Steps on existing instances by whether their engine was kept (hit) or rebuilt from the stored state (miss): a low hit share asks for a larger ENGINE_CACHE_MB',
      labelNames: ['result'],
      registers,
      collect() {
        const c = probes.engineCache();
        this.reset();
        this.inc({ result: 'hit' }, c.hits);
        this.inc({ result: 'miss' }, c.misses);
      },
    });
  }

  /** The runner's StepObserver. */
  observe(o: ObservedStep): void {
    this.stepSeconds.observe({ kind: o.kind }, o.seconds);
    this.steps.inc({ county: o.countyId, process: o.processKey, kind: o.kind });
    if (o.outcome !== 'ok') this.failures.inc({ county: o.countyId, process: o.processKey, kind: o.kind, reason: o.outcome === 'incident' ? 'incident' : (o.reason ?? 'error') });
  }

  /** A rating was stored (intake). */
  rating(countyId: string, bad: boolean): void {
    this.ratings.inc({ county: countyId, bad: bad ? 'true' : 'false' });
  }

  /** Does the Authorization header carry METRICS_TOKEN? (compared in constant time) */
  acceptsScrapeToken(header: string | undefined): boolean {
    if (!this.token) return false;
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) return false;
    const a = Buffer.from(m[1]);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
