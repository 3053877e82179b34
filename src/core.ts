/**
 * The one composition root: builds every object of the application once, in boot order, each with its
 * dependencies as constructor arguments. No HTTP here: main.ts (and the tests) hand the result to
 * src/http/create-app.ts.
 *
 * Boot order: database and migrations → clock (and simulated time) → counties (tenant.yaml) → calendars
 * → services of the diagrams → engine host (definitions, runner) → deploy processes/ → users → privacy
 * → cases and intake → notifications → scheduler jobs.
 */
import { AnchorJob } from './audit/anchors';
import { AuditService } from './audit/audit.service';
import { Users } from './auth/users';
import { CalendarService } from './calendar/calendar.service';
import { CountyDeadlines } from './calendar/county-deadlines';
import { loadBundledCalendarData } from './calendar/working-calendar';
import { shanghaiDate } from './calendar/civil-date';
import { drawSampleService } from './cases/callback-sample';
import { CaseStarter } from './cases/case-start';
import { CaseService } from './cases/cases.service';
import { DocumentService } from './documents/documents.service';
import { BulletinService, bulletinConfigs } from './bulletins/bulletins.service';
import { countyDocuments } from './documents/kinds';
import { PerformanceLedger, pointsOf } from './performance/ledger';
import { SharedProblemService } from './problems/shared-problems.service';
import { evaluatorContacts } from './cases/contacts';
import { deductionTargetsService } from './cases/performance';
import { setStatusService } from './cases/status.service';
import { Clock, SimulatedTime } from './clock';
import type { AppConfig } from './config';
import { Database, openDatabase } from './db/database';
import { clockStore } from './db/settings';
import { DefinitionStore } from './engine/definition-store';
import { Runner } from './engine/runner';
import { ServiceDefinition, ServiceRegistry } from './engine/services';
import type { ClaimedTimer } from './engine/timers';
import { TimerJob } from './engine/timers';
import { Health } from './health';
import { Metrics } from './metrics';
import { Progress } from './progress';
import { dueTimerStats } from './engine/timers';
import { outboxStats } from './engine/outbox';
import { ComplaintService } from './intake/complaints.service';
import { DefaultRatings } from './intake/default-ratings';
import { EvaluationService } from './intake/evaluations.service';
import { ServiceCaseService } from './intake/service-cases.service';
import type { Logger } from './log';
import { OutboxDispatch } from './notifications/dispatch';
import { notifyService } from './notifications/notify.service';
import { OutboxService } from './notifications/outbox.service';
import { TemplateStore } from './notifications/templates';
import { LogTransport, Transport, WebhookTransport } from './notifications/transports';
import { openPiiCipher } from './privacy/cipher';
import { Scheduler } from './scheduler';
import { TenantRegistry, syncCounties } from './tenants';
import { CamundaDeploymentService } from './workflow/camunda-deployments.service';
import { CamundaTaskService } from './workflow/camunda-tasks.service';
import { ClockService } from './workflow/clock.service';
import { DeploymentService } from './workflow/deployments.service';
import { ExternalTaskService } from './workflow/external-tasks.service';
import { MigrationService } from './workflow/migrations.service';
import { InstanceService } from './workflow/instances.service';
import { TaskService } from './workflow/tasks.service';

export interface CoreOptions {
  /** Extra services (tests register business-error services here). */
  services?: ServiceDefinition[];
  /** Replace the transport chosen by config (tests). */
  transport?: Transport;
  /** Wall time for token lifetimes (tests move it instead of waiting). */
  wallNow?: () => Date;
}

export type Core = Awaited<ReturnType<typeof createCore>>;

export async function createCore(config: AppConfig, logger: Logger, options: CoreOptions = {}) {
  const db: Database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await db.migrate();
    const knex = db.knex;

    const clock = new Clock(config.clockControl);
    const time = new SimulatedTime(clock, clockStore(knex));
    await time.restore();

    const tenants = new TenantRegistry(config.processesDir);
    tenants.loadAll();
    await syncCounties(knex, tenants);

    const deadlines = new CountyDeadlines(tenants, loadBundledCalendarData());
    const progress = new Progress(logger);
    const calendars = new CalendarService(knex, tenants, deadlines, clock, logger, undefined, progress);
    await calendars.start();

    const templates = new TemplateStore(config.templatesDir);
    const services = new ServiceRegistry([notifyService(templates), setStatusService(), drawSampleService(tenants), deductionTargetsService(tenants), ...(options.services ?? [])]);

    // Probes read at scrape time; the runner (built below) reports its steps to metrics.observe.
    let runnerRef: Runner | undefined;
    const metrics = new Metrics(
      {
        timers: () => dueTimerStats(knex, clock.now()),
        outbox: () => outboxStats(knex),
        engineCache: () => ({ size: runnerRef?.cachedEngines ?? 0, approxBytes: runnerRef?.cachedBytes ?? 0, ...(runnerRef?.cacheLookups ?? { hits: 0, misses: 0 }) }),
      },
      config.metricsToken,
    );

    const definitions = new DefinitionStore(knex);
    // Steps that create external tasks wake the workers' long polls (the service is built just below).
    let externalTasks: ExternalTaskService | undefined;
    const runner = new Runner(knex, definitions, services, clock, deadlines, {
      cacheSize: config.engineCacheSize,
      cacheMaxBytes: config.engineCacheMb * 1024 * 1024,
      stepGuard: calendars.stepGuard,
      budget: { maxActivities: config.stepMaxActivities, maxMs: config.stepMaxMs },
      observer: metrics,
      afterCommit: (result) => {
        if (result.externalTasks.insert.length) externalTasks?.wake();
      },
    });
    runnerRef = runner;
    externalTasks = new ExternalTaskService(knex, runner, clock, definitions, { pollIntervalMs: Math.min(config.pollIntervalMs, 1000) });
    const migrations = new MigrationService(knex, runner, definitions, tenants, clock, logger);
    const deployments = new DeploymentService(knex, definitions, tenants, services, deadlines, clock, migrations);
    for (const line of await deployments.deployTenants('startup')) logger.log(line);

    const users = new Users(knex, clock, tenants, { tokenTtlMs: config.tokenTtlDays * 86_400_000, wallNow: options.wallNow });
    let bootstrapToken: string | undefined;
    if (config.adminToken) await users.ensureAdmin(config.adminToken, clock.now());
    else if ((await users.count()) === 0 && db.kind === 'pglite') {
      bootstrapToken = (await users.create({ id: 'admin', name: 'Administrator', roles: ['admin'], counties: ['*'] })).token;
    }

    const pii = await openPiiCipher({ piiKey: config.piiKey, dataDir: config.dataDir, embedded: db.kind === 'pglite' }, knex);
    const starter = new CaseStarter(runner, definitions);
    const serviceCases = new ServiceCaseService(knex, tenants, clock, progress);
    const evaluations = new EvaluationService(knex, tenants, clock, pii, starter, logger, (county, bad) => metrics.rating(county, bad), progress);
    const complaints = new ComplaintService(knex, tenants, clock, pii, starter, logger);
    const cases = new CaseService(knex, tenants, clock, pii);
    const defaults = new DefaultRatings(knex, clock, logger);
    const bulletins = new BulletinService(knex, tenants, clock, config.templatesDir, logger);
    // The documents and bulletins of tenant.yaml are checked at boot, not at the first tick.
    for (const t of tenants.list()) {
      countyDocuments(t);
      bulletinConfigs(t);
      pointsOf(t);
    }

    const transport =
      options.transport ??
      (config.notificationTransport === 'webhook' ? new WebhookTransport(config.webhookUrl!, config.webhookSecret) : new LogTransport((line) => logger.log(line)));
    const dispatch = new OutboxDispatch(knex, transport, evaluatorContacts(knex, pii, () => clock.now()), { nodeId: config.nodeId, leaseMs: config.leaseMs, maxAttempts: config.outboxMaxAttempts }, logger);
    const anchors = new AnchorJob(knex, clock, tenants);
    const audit = new AuditService(knex, { definitions, services, deadlines }, tenants, clock, anchors, progress);
    const firing = { fire: (id: string) => runner.fire(id), ...(config.timerFastPath ? { fireBatch: (claimed: ClaimedTimer[]) => runner.fireBatch(claimed) } : {}) };
    const timers = new TimerJob(knex, clock, firing, { nodeId: config.nodeId, batchSize: config.timerBatchSize, leaseMs: config.leaseMs }, logger);
    const scheduler = new Scheduler(
      [
        { name: 'clock', run: () => time.follow() },
        timers,
        dispatch,
        { name: 'default-ratings', run: () => defaults.tick() },
        bulletins.job,
        calendars,
        migrations.job,
        anchors,
      ],
      config.pollIntervalMs,
      logger,
    );

    const documents = new DocumentService(knex, tenants, clock, pii, config.templatesDir, logger);
    const tasks = new TaskService(knex, runner, clock, definitions, pii, (task, actor) => documents.archiveForTask(task, actor));

    const health = new Health({
      database: async () => {
        await knex.raw('select 1');
        return db.kind;
      },
      counties: () => tenants.list().map((t) => t.id),
      clock: () => ({ now: clock.now(), simulated: clock.isSimulated }),
      calendar: async () => {
        const h = await calendars.health();
        // The national year of today missing is not ready: every county's deadlines would be provisional.
        // A regional year of today missing (one county's own days off) is degraded: said, but 200; next
        // year's, from 1 December, is a warning.
        const year = shanghaiDate(clock.now()).slice(0, 4);
        const today = h.warnings.filter((w) => w.split(' ')[1] === year);
        const national = today.filter((w) => w.startsWith('national '));
        if (national.length) return { ...h, notReady: `calendar: ${today.join('; ')}` };
        return today.length ? { ...h, degraded: `calendar: ${today.join('; ')}` } : h;
      },
      scheduler: () => (config.schedulerEnabled ? scheduler.status() : { running: false, disabled: true }),
      jobs: () => progress.list(),
    });

    return {
      config,
      db,
      clock,
      tenants,
      calendars,
      services,
      templates,
      runner,
      deployments,
      migrations,
      externalTasks,
      camundaDeployments: new CamundaDeploymentService(deployments, tenants),
      instances: new InstanceService(knex, runner, tenants),
      tasks,
      camundaTasks: new CamundaTaskService(tasks),
      clockControl: new ClockService(clock, time, timers),
      users,
      pii,
      serviceCases,
      evaluations,
      complaints,
      cases,
      audit,
      documents,
      bulletins,
      performance: new PerformanceLedger(knex, tenants, clock),
      sharedProblems: new SharedProblemService(knex, tenants, clock),
      defaults,
      outbox: new OutboxService(knex),
      dispatch,
      timers,
      scheduler,
      health,
      metrics,
      progress,
      /** Token of the administrator created at first start (embedded database only); shown once. */
      bootstrapToken,
      async close() {
        externalTasks!.close();
        await scheduler.stop();
        runner.stopAll();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
