/**
 * Wiring only: the services of the core (built outside Nest, in src/core.ts) offered to the controllers
 * by their classes, the guard and the error filter.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuditService } from '../audit/audit.service';
import { Users } from '../auth/users';
import { CalendarService } from '../calendar/calendar.service';
import { CaseService } from '../cases/cases.service';
import { DocumentService } from '../documents/documents.service';
import { BulletinService } from '../bulletins/bulletins.service';
import { PerformanceLedger } from '../performance/ledger';
import { SharedProblemService } from '../problems/shared-problems.service';
import { Health } from '../health';
import { Metrics } from '../metrics';
import { ComplaintService } from '../intake/complaints.service';
import { DefaultRatings } from '../intake/default-ratings';
import { EvaluationService } from '../intake/evaluations.service';
import { ServiceCaseService } from '../intake/service-cases.service';
import { OutboxService } from '../notifications/outbox.service';
import { CamundaDeploymentService } from '../workflow/camunda-deployments.service';
import { CamundaTaskService } from '../workflow/camunda-tasks.service';
import { ClockService } from '../workflow/clock.service';
import { DeploymentService } from '../workflow/deployments.service';
import { ExternalTaskService } from '../workflow/external-tasks.service';
import { MigrationService } from '../workflow/migrations.service';
import { InstanceService } from '../workflow/instances.service';
import { TaskService } from '../workflow/tasks.service';
import { AuditController } from './audit.controller';
import { CalendarsController } from './calendars.controller';
import { CasesController } from './cases.controller';
import { DocumentsController } from './documents.controller';
import { BulletinsController } from './bulletins.controller';
import { PerformanceController } from './performance.controller';
import { SharedProblemsController } from './shared-problems.controller';
import { ClockController } from './clock.controller';
import { ComplaintsController } from './complaints.controller';
import { DefaultRatingsController } from './default-ratings.controller';
import { DefinitionsController } from './definitions.controller';
import { EngineDeploymentsController } from './engine-deployments.controller';
import { EngineExternalTasksController } from './engine-external-tasks.controller';
import { EngineIncidentsController } from './engine-incidents.controller';
import { EngineTasksController } from './engine-tasks.controller';
import { EngineVersionController } from './engine-version.controller';
import { EvaluationsController } from './evaluations.controller';
import { ErrorFilter } from './error.filter';
import { AuthGuard } from './guard';
import { HealthController } from './health.controller';
import { InputPipe } from './input.pipe';
import { InstancesController } from './instances.controller';
import { MetricsController } from './metrics.controller';
import { MigrationsController } from './migrations.controller';
import { OutboxController } from './outbox.controller';
import { ServiceCasesController } from './service-cases.controller';
import { TasksController } from './tasks.controller';
import { UiController, UI_DIR } from './ui.controller';
import { UsersController } from './users.controller';

/** The services the HTTP layer calls (src/core.ts builds them). */
export interface AppServices {
  config: { uiDir: string };
  health: Health;
  metrics: Metrics;
  users: Users;
  deployments: DeploymentService;
  migrations: MigrationService;
  externalTasks: ExternalTaskService;
  camundaDeployments: CamundaDeploymentService;
  camundaTasks: CamundaTaskService;
  instances: InstanceService;
  tasks: TaskService;
  clockControl: ClockService;
  outbox: OutboxService;
  calendars: CalendarService;
  serviceCases: ServiceCaseService;
  evaluations: EvaluationService;
  defaults: DefaultRatings;
  complaints: ComplaintService;
  cases: CaseService;
  audit: AuditService;
  documents: DocumentService;
  bulletins: BulletinService;
  performance: PerformanceLedger;
  sharedProblems: SharedProblemService;
}

@Module({})
export class AppModule {
  static forServices(core: AppServices): DynamicModule {
    const services: Array<[abstract new (...a: never[]) => unknown, unknown]> = [
      [Health, core.health],
      [Metrics, core.metrics],
      [Users, core.users],
      [DeploymentService, core.deployments],
      [MigrationService, core.migrations],
      [ExternalTaskService, core.externalTasks],
      [CamundaDeploymentService, core.camundaDeployments],
      [CamundaTaskService, core.camundaTasks],
      [InstanceService, core.instances],
      [TaskService, core.tasks],
      [ClockService, core.clockControl],
      [OutboxService, core.outbox],
      [CalendarService, core.calendars],
      [ServiceCaseService, core.serviceCases],
      [EvaluationService, core.evaluations],
      [DefaultRatings, core.defaults],
      [ComplaintService, core.complaints],
      [CaseService, core.cases],
      [AuditService, core.audit],
      [DocumentService, core.documents],
      [BulletinService, core.bulletins],
      [PerformanceLedger, core.performance],
      [SharedProblemService, core.sharedProblems],
    ];
    return {
      module: AppModule,
      controllers: [
        HealthController,
        MetricsController,
        DefinitionsController,
        InstancesController,
        TasksController,
        ClockController,
        UsersController,
        UiController,
        OutboxController,
        CalendarsController,
        ServiceCasesController,
        EvaluationsController,
        DefaultRatingsController,
        ComplaintsController,
        CasesController,
        DocumentsController,
        BulletinsController,
        PerformanceController,
        SharedProblemsController,
        MigrationsController,
        EngineDeploymentsController,
        EngineVersionController,
        EngineTasksController,
        EngineExternalTasksController,
        EngineIncidentsController,
        AuditController,
      ],
      providers: [
        ...services.map(([provide, useValue]) => ({ provide, useValue })),
        { provide: UI_DIR, useValue: core.config.uiDir },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useClass: InputPipe },
      ],
    };
  }
}
