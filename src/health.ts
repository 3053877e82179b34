/**
 * /health: liveness and readiness. The probes are given by core.ts (the database answers, the counties
 * deployed, the clock, the calendar's revision and warnings); a probe that throws makes the answer fail.
 */
export type Probe = () => Promise<unknown> | unknown;

export class Health {
  constructor(private readonly probes: Record<string, Probe>) {}

  async report(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = { status: 'ok' };
    for (const [name, probe] of Object.entries(this.probes)) out[name] = await probe();
    return out;
  }
}
