import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Core } from './core';
import { CalendarsController } from './calendars/calendars.controller';
import { CasesController } from './cases/cases.controller';
import { CsvBodyParser, EvaluationsController, ServiceCasesController } from './intake/intake.controller';
import { AdminController, DefinitionsController, HealthController, InstancesController, TasksController } from './http/controllers';
import { AuthGuard, CORE } from './http/common';
import { ErrorFilter } from './http/error.filter';

/** Wiring only: the core (built outside Nest) and the HTTP controllers around it. */
@Module({})
export class AppModule {
  static forCore(core: Core): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, DefinitionsController, InstancesController, TasksController, AdminController, CalendarsController, ServiceCasesController, EvaluationsController, CasesController],
      providers: [
        { provide: CORE, useValue: core },
        CsvBodyParser,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
