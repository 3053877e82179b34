/**
 * The `drawSample` service: 州政务服务中心 calls back a random share, never below the county's
 * `callbackSampleRate` (tenant.yaml), of the rectified cases (seed 003 一(二)4 随机抽取不低于20%).
 *
 * How a case is drawn. Draws are counted per county and calendar month (Asia/Shanghai). The n-th draw
 * of a month is taken when the month would otherwise fall below the rate (sampled < ceil(rate × n)),
 * and otherwise with probability `rate` from crypto randomness. So the share of every month, at any
 * moment of it and at its end, is at least the rate; and which case is drawn depends on the county's
 * draws of the month so far (which a unit does not see) and on randomness the unit cannot know. The only
 * certain draw is a county's first rectified case of a month.
 *
 * The month's counter is read and locked by `prepare` in the step's transaction (so two cases drawn at
 * once are counted one after the other), the draw is made in `run`, and `persist` writes it when the
 * step commits: a step that crashed before commit left nothing, and its retry draws again. The answer is
 * in the journal (service.result), so a replay finds it.
 *
 * This file is the only writer of callback_sample_months and callback_samples.
 */
import { randomInt } from 'node:crypto';
import { shanghaiDate } from '../calendar/civil-date';
import type { ServiceDefinition } from '../engine/services';
import type { TenantRegistry } from '../tenants';

/** The county's callback rate from tenant.yaml, or a reason it is not usable. */
export function callbackSampleRate(settings: Record<string, unknown> | undefined): number | string {
  const rate = settings?.callbackSampleRate;
  if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) {
    return `tenant.yaml callbackSampleRate must be a number above 0 and at most 1 (e.g. 0.2 for 20 %), got ${JSON.stringify(rate)}`;
  }
  return rate;
}

/** The draw, given the month's counts so far and a uniform chance in [0, 1). */
export function draw(rate: number, counts: { drawn: number; sampled: number }, chance: number): { seq: number; sampled: boolean; forced: boolean } {
  const seq = counts.drawn + 1;
  const floor = Math.ceil(rate * seq - 1e-9);
  const forced = counts.sampled < floor;
  return { seq, forced, sampled: forced || chance < rate };
}

export function drawSampleService(tenants: TenantRegistry): ServiceDefinition {
  return {
    name: 'drawSample',
    description: 'Draws whether the case gets the callback (回访抽查): at least callbackSampleRate of tenant.yaml in every calendar month, at random otherwise; sets the process variable sampled.',
    recordsResult: true,
    lint(_properties, countyId) {
      const rate = callbackSampleRate(tenants.get(countyId)?.settings);
      return typeof rate === 'string' ? [rate] : [];
    },
    async prepare(trx, call) {
      const month = shanghaiDate(call.now).slice(0, 7);
      await trx('callback_sample_months').insert({ county_id: call.countyId, month, drawn: 0, sampled: 0 }).onConflict(['county_id', 'month']).ignore();
      const row = await trx('callback_sample_months').where({ county_id: call.countyId, month }).forUpdate().first();
      return { month, drawn: Number(row.drawn), sampled: Number(row.sampled) };
    },
    run(call) {
      const rate = callbackSampleRate(tenants.get(call.countyId)?.settings);
      if (typeof rate === 'string') throw new Error(`processes/${call.countyId}/${rate}`);
      const p = call.prepared as { month: string; drawn: number; sampled: number };
      const r = draw(rate, p, randomInt(1_000_000) / 1_000_000);
      call.effect({ month: p.month, rate, executionId: call.executionId, ...r });
      return { sampled: r.sampled, sampleMonth: p.month };
    },
    async persist(trx, e, ctx) {
      const inserted = await trx('callback_samples')
        .insert({
          instance_id: ctx.instanceId,
          execution_id: e.executionId,
          county_id: ctx.countyId,
          business_key: ctx.businessKey,
          month: e.month,
          seq: e.seq,
          rate: e.rate,
          sampled: e.sampled,
          forced: e.forced,
          drawn_at: ctx.now,
        })
        .onConflict(['instance_id', 'execution_id'])
        .ignore()
        .returning('instance_id');
      if (!inserted.length) return;
      await trx('callback_sample_months')
        .where({ county_id: ctx.countyId, month: e.month })
        .update({ drawn: e.seq, sampled: trx.raw('sampled + ?', [e.sampled ? 1 : 0]) });
    },
  };
}
