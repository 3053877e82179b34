/**
 * The outcome of a case (genuine, mistaken, malicious), read from its process variables. The diagrams
 * record it through their forms; the first rule that applies wins:
 *
 *   outcome ∈ {genuine, mistaken, malicious}          set explicitly by a form or service
 *   appealUpheld = false                              the appeal was rejected: genuine
 *   appealUpheld = true                               untrueKind when given, else mistaken
 *   genuine = true                                    genuine (回访核实: 真实差评)
 *   reviewRequested = false                           the rated department asks for no review (西双版纳): genuine
 *   untrueKind ∈ {mistaken, malicious}                what the unit claims (误评 / 恶意差评)
 *   genuine = false                                   mistaken (误评和不实差评)
 *
 * Nothing of these yet: null (not verified).
 */
export const OUTCOMES = ['genuine', 'mistaken', 'malicious'] as const;
export type Outcome = (typeof OUTCOMES)[number];

const isOutcome = (v: unknown): v is Outcome => typeof v === 'string' && (OUTCOMES as readonly string[]).includes(v);

export function deriveOutcome(vars: Record<string, unknown> | null | undefined): Outcome | null {
  if (!vars) return null;
  if (isOutcome(vars.outcome)) return vars.outcome;
  const untrue = vars.untrueKind === 'mistaken' || vars.untrueKind === 'malicious' ? (vars.untrueKind as Outcome) : null;
  if (vars.appealUpheld === false) return 'genuine';
  if (vars.appealUpheld === true) return untrue ?? 'mistaken';
  if (vars.genuine === true) return 'genuine';
  if (vars.reviewRequested === false) return 'genuine';
  if (untrue) return untrue;
  if (vars.genuine === false) return 'mistaken';
  return null;
}
