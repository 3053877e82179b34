/** Intake (issue 4), wired once in src/core.ts: the 办件 register, ratings, the 7-day default and cases. */
import type { Knex } from 'knex';
import type { AppConfig } from '../config/config';
import type { Clock } from '../clock/clock';
import type { Logger, Runner } from '../engine/runner';
import type { TenantRegistry } from '../tenants/tenants';
import { CaseStarter } from '../cases/case-start';
import { CaseService } from '../cases/cases.service';
import { DefaultRatings } from './default-ratings';
import { EvaluationService } from './evaluations.service';
import { PiiCipher, openPiiCipher } from './pii';
import { ServiceCaseService } from './service-cases.service';

export interface Intake {
  pii: PiiCipher;
  serviceCases: ServiceCaseService;
  evaluations: EvaluationService;
  cases: CaseService;
  defaults: DefaultRatings;
}

export async function createIntake(deps: { config: AppConfig; knex: Knex; embedded: boolean; clock: Clock; tenants: TenantRegistry; runner: Runner; logger: Logger }): Promise<Intake> {
  const { config, knex, clock, tenants, runner, logger } = deps;
  const pii = await openPiiCipher({ piiKey: config.piiKey, dataDir: config.dataDir, embedded: deps.embedded }, knex);
  const starter = new CaseStarter(runner);
  return {
    pii,
    serviceCases: new ServiceCaseService(knex, tenants, clock),
    evaluations: new EvaluationService(knex, tenants, clock, pii, starter, logger),
    cases: new CaseService(knex, tenants, clock, pii, starter, logger),
    defaults: new DefaultRatings(knex, clock, logger),
  };
}
