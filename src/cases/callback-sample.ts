/**
 * The `drawSample` service: 州政务服务中心 calls back a random share, never below the county's
 * `callbackSampleRate` (tenant.yaml), of the rectified cases (seed 003 一(二)4 随机抽取不低于20%).
 *
 * How a case is drawn. Draws are counted per county and calendar month (Asia/Shanghai). The n-th draw
 * of a month is taken when the month would otherwise fall below the rate (sampled < ceil(rate × n)),
 * and otherwise with probability `rate` from crypto randomness. So the share of every month, at any
 * moment of it and at its end, is at least the rate; and which case is drawn depends on the county's
 * draws of the month so far (which a unit does not see) and on randomness the unit cannot know. The only
 * certain draw is a county's first rectified case of a month. The answer is written with the step's
 * transaction, keyed by instance and execution: a retried or resumed step finds it and gives the same
 * answer, and a step that crashed before commit left nothing to change.
 *
 * This file is the only writer of callback_sample_months and callback_samples.
 */
import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import { shanghaiDate } from '../calendar';
import type { ServiceDefinition } from '../engine/services';
import type { TenantRegistry } from '../tenants/tenants';

/** The county's callback rate from tenant.yaml, or a reason it is not usable. */
export function callbackSampleRate(settings: Record<string, unknown> | undefined): number | string {
  const rate = settings?.callbackSampleRate;
  if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) {
    return `tenant.yaml callbackSampleRate must be a number above 0 and at most 1 (e.g. 0.2 for 20 %), got ${JSON.stringify(rate)}`;
  }
  return rate;
}

export interface SampleDraw {
  countyId: string;
  instanceId: string;
  executionId: string;
  businessKey: string | null;
  month: string;
  rate: number;
  now: Date;
  /** A uniform draw in [0, 1), made before the row lock is taken. */
  chance: number;
}

/** The draw's SQL, all of it: finds an earlier answer of this execution or makes and records one. */
export async function recordDraw(trx: Knex.Transaction, d: SampleDraw): Promise<{ sampled: boolean; forced: boolean; seq: number }> {
  const earlier = await trx('callback_samples').where({ instance_id: d.instanceId, execution_id: d.executionId }).first();
  if (earlier) return { sampled: earlier.sampled, forced: earlier.forced, seq: Number(earlier.seq) };
  await trx('callback_sample_months').insert({ county_id: d.countyId, month: d.month, drawn: 0, sampled: 0 }).onConflict(['county_id', 'month']).ignore();
  const row = await trx('callback_sample_months').where({ county_id: d.countyId, month: d.month }).forUpdate().first();
  const seq = Number(row.drawn) + 1;
  const floor = Math.ceil(d.rate * seq - 1e-9);
  const forced = Number(row.sampled) < floor;
  const sampled = forced || d.chance < d.rate;
  await trx('callback_sample_months')
    .where({ county_id: d.countyId, month: d.month })
    .update({ drawn: seq, sampled: Number(row.sampled) + (sampled ? 1 : 0) });
  await trx('callback_samples').insert({
    instance_id: d.instanceId,
    execution_id: d.executionId,
    county_id: d.countyId,
    business_key: d.businessKey,
    month: d.month,
    seq,
    rate: d.rate,
    sampled,
    forced,
    drawn_at: d.now,
  });
  return { sampled, forced, seq };
}

export function drawSampleService(tenants: TenantRegistry): ServiceDefinition {
  return {
    name: 'drawSample',
    description: 'Draws whether the case gets the callback (回访抽查): at least callbackSampleRate of tenant.yaml in every calendar month, at random otherwise; sets the process variable sampled.',
    lint(_properties, countyId) {
      const rate = callbackSampleRate(tenants.get(countyId)?.settings);
      return typeof rate === 'string' ? [rate] : [];
    },
    async run(call) {
      const rate = callbackSampleRate(tenants.get(call.countyId)?.settings);
      if (typeof rate === 'string') throw new Error(`processes/${call.countyId}/${rate}`);
      const month = shanghaiDate(call.now).slice(0, 7);
      const r = await recordDraw(call.trx, {
        countyId: call.countyId,
        instanceId: call.instanceId,
        executionId: call.executionId,
        businessKey: call.businessKey,
        month,
        rate,
        now: call.now,
        chance: randomInt(1_000_000) / 1_000_000,
      });
      return { sampled: r.sampled, sampleMonth: month };
    },
  };
}
