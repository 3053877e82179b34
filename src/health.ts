/**
 * /health: liveness and readiness. A probe whose answer carries `notReady` (a sentence) makes the
 * answer "not_ready" (503), the sentences listed in `notReady`: the database does not answer, the
 * scheduler loop stalled, the national calendar year of today is not loaded. `degraded` (200) lists
 * what works with a limit: a county's regional year of today missing (its deadlines are provisional). The probes are given by core.ts (the database answers, the counties
 * deployed, the clock, the calendar's revision and warnings); a probe that throws makes the answer fail.
 * A probe that does not answer within `timeoutMs` is reported as busy rather than waited for: with the
 * embedded database one connection serves every step, and /health must answer while a long step holds
 * it (the server itself is alive, which is what the caller asks).
 */
export type Probe = () => Promise<unknown> | unknown;

export class Health {
  constructor(
    private readonly probes: Record<string, Probe>,
    private readonly timeoutMs = 2000,
  ) {}

  async report(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = { status: 'ok' };
    const busy = Symbol('busy');
    const notReady: string[] = [];
    const degraded: string[] = [];
    await Promise.all(
      Object.entries(this.probes).map(async ([name, probe]) => {
        let timer: NodeJS.Timeout | undefined;
        const answer = await Promise.race([
          Promise.resolve()
            .then(probe)
            .catch((err: Error) => ({ notReady: `${name}: ${err.message.slice(0, 200)}` })),
          new Promise<typeof busy>((r) => (timer = setTimeout(() => r(busy), this.timeoutMs)))]);
        clearTimeout(timer);
        if (answer && typeof answer === 'object' && typeof (answer as { notReady?: unknown }).notReady === 'string') notReady.push((answer as { notReady: string }).notReady);
        if (answer && typeof answer === 'object' && typeof (answer as { degraded?: unknown }).degraded === 'string') degraded.push((answer as { degraded: string }).degraded);
        if (answer === busy) {
          out[name] = { busy: true, note: `no answer within ${this.timeoutMs} ms` };
          out.status = 'busy';
        } else out[name] = answer;
      }),
    );
    if (degraded.length) {
      if (out.status === 'ok') out.status = 'degraded';
      out.degraded = degraded;
    }
    if (notReady.length) {
      out.status = 'not_ready';
      out.notReady = notReady;
    }
    return out;
  }
}
