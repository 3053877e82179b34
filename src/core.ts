/**
 * The application core, without HTTP: database, clock, tenants, engine host, scheduler and the services
 * the controllers call. main.ts (and the tests) build one with createCore() and hand it to Nest.
 */
import type { AppConfig } from './config/config';
import { AuthService } from './auth/auth.service';
import { loadBundledCalendarData } from './calendar';
import { CalendarService } from './calendars/calendar.service';
import { Clock } from './clock/clock';
import { Database, openDatabase } from './database/database';
import { DefinitionService } from './definitions/definition.service';
import { CountyDeadlines } from './deadlines/county-deadlines';
import { DefinitionStore } from './engine/definition-store';
import { Logger, Runner } from './engine/runner';
import { ServiceDefinition, ServiceRegistry } from './engine/services';
import { InstanceService } from './instances/instance.service';
import { notifyService } from './notifications/notify.service';
import { setStatusService } from './cases/status.service';
import { drawSampleService } from './cases/callback-sample';
import { deductionTargetsService } from './cases/performance';
import { TemplateStore } from './notifications/templates';
import { LogTransport, Transport, WebhookTransport } from './notifications/transports';
import { Scheduler } from './scheduler/scheduler';
import { TaskService } from './tasks/task.service';
import { TenantRegistry } from './tenants/tenants';
import { Intake, createIntake } from './intake';
import { evaluatorContacts } from './intake/contacts';

export interface CoreOptions {
  /** Extra services (tests register business-error services here). */
  services?: ServiceDefinition[];
  /** Replace the transport chosen by config (tests). */
  transport?: Transport;
}

export interface Core {
  config: AppConfig;
  db: Database;
  clock: Clock;
  tenants: TenantRegistry;
  services: ServiceRegistry;
  deadlines: CountyDeadlines;
  /** Calendar years in the database: loads, versions, effective calendars, warnings (issue 3). */
  calendars: CalendarService;
  templates: TemplateStore;
  runner: Runner;
  definitions: DefinitionService;
  instances: InstanceService;
  tasks: TaskService;
  auth: AuthService;
  scheduler: Scheduler;
  /** 办件 register, ratings, 7-day default, bad-review cases (issue 4). */
  intake: Intake;
  /** Token of the administrator created at first start (embedded database only); shown once. */
  bootstrapToken?: string;
  /** Sets the simulated clock (CLOCK_CONTROL) and fires every timer due then. */
  setClock(now: Date): Promise<{ now: Date; timersFired: number }>;
  close(): Promise<void>;
}

export async function createCore(config: AppConfig, logger: Logger, options: CoreOptions = {}): Promise<Core> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await db.migrate();
    const knex = db.knex;
    const clock = new Clock(config.clockControl);
    if (config.clockControl) {
      const saved = await knex('settings').where({ key: 'clock' }).first();
      if (saved?.value?.now) clock.set(new Date(saved.value.now));
    }

    const tenants = new TenantRegistry(config.processesDir);
    const loaded = tenants.loadAll();
    for (const t of loaded) {
      await knex('counties')
        .insert({ id: t.id, name: t.name, region: t.region, settings: JSON.stringify({ calendar: t.calendar, officeHours: t.officeHours ?? null, units: t.units, ...t.settings }), updated_at: new Date() })
        .onConflict('id')
        .merge();
    }

    const templates = new TemplateStore(config.templatesDir);
    const services = new ServiceRegistry();
    services.register(notifyService(templates));
    services.register(setStatusService());
    services.register(drawSampleService(tenants));
    services.register(deductionTargetsService(tenants));
    for (const s of options.services ?? []) services.register(s);

    const deadlines = new CountyDeadlines(tenants, loadBundledCalendarData());
    const store = new DefinitionStore(knex);
    const runner = new Runner(knex, store, services, clock, deadlines, logger, config.engineCacheSize);
    const calendars = new CalendarService(knex, tenants, deadlines, clock, logger);
    await calendars.start();
    calendars.guardRunner(runner);
    const definitions = new DefinitionService(knex, tenants, services, deadlines, clock);
    for (const t of loaded) {
      for (const d of t.diagrams) {
        try {
          const r = await definitions.deploy(t.id, d.xml, d.file, 'startup');
          if (r.created) logger.log(`deployed ${t.id}/${d.file} as ${r.definition.process_key} v${r.definition.version}`);
        } catch (err) {
          throw new Error(`processes/${t.id}/${d.file}: ${(err as Error).message}`);
        }
      }
    }

    const auth = new AuthService(knex);
    let bootstrapToken: string | undefined;
    if ((await auth.countUsers()) === 0) {
      const preset = process.env.ADMIN_TOKEN;
      if (preset || db.kind === 'pglite') {
        const { token } = await auth.createUser({ id: 'admin', name: 'Administrator', roles: ['admin'], counties: ['*'], token: preset }, new Date());
        bootstrapToken = preset ? undefined : token;
      }
    }

    const transport =
      options.transport ??
      (config.notificationTransport === 'webhook'
        ? new WebhookTransport(config.webhookUrl!, config.webhookSecret)
        : new LogTransport((line) => logger.log(line)));
    const scheduler = new Scheduler(knex, runner, clock, transport, config, logger);
    const intake = await createIntake({ config, knex, embedded: db.kind === 'pglite', clock, tenants, runner, logger });
    scheduler.onTick(() => intake.defaults.tick());
    scheduler.resolveContactsWith(evaluatorContacts(knex, intake.pii, () => clock.now()));

    const core: Core = {
      config,
      db,
      clock,
      tenants,
      services,
      deadlines,
      calendars,
      templates,
      runner,
      definitions,
      instances: new InstanceService(knex, runner, tenants),
      tasks: new TaskService(knex, runner, clock, store),
      auth,
      scheduler,
      intake,
      bootstrapToken,
      async setClock(now: Date) {
        clock.set(now);
        await knex('settings').insert({ key: 'clock', value: JSON.stringify({ now: now.toISOString() }) }).onConflict('key').merge();
        const timersFired = await scheduler.drainDueTimers();
        return { now: clock.now(), timersFired };
      },
      async close() {
        runner.stopAll();
        calendars.stop();
        await scheduler.stop();
        await db.close();
      },
    };
    if (config.schedulerEnabled) calendars.startPolling(config.pollIntervalMs);
    return core;
  } catch (err) {
    await db.close();
    throw err;
  }
}
