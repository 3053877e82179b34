/**
 * bpmnlint in the browser with the rules the server checks at deploy: bpmnlint's recommended config,
 * bundled with every rule it names (ui/build.mjs). A new Linter for every run (a reused one keeps rule
 * state between runs and reports false duplicate sequence flows).
 */
import { Linter } from 'bpmnlint';
import { config, rules } from 'virtual:bpmnlint-recommended';

export interface LintFinding {
  rule: string;
  element?: string;
  message: string;
  severity: 'error' | 'warn';
}

const resolver = {
  resolveRule(pkg: string, name: string) {
    const rule = pkg === 'bpmnlint' ? rules[name] : undefined;
    if (!rule) throw new Error(`lint rule ${pkg}/${name} is not bundled`);
    return rule;
  },
  resolveConfig(pkg: string, name: string) {
    if (pkg !== 'bpmnlint' || name !== 'recommended') throw new Error(`lint config ${pkg}:${name} is not bundled`);
    return config;
  },
};

/** Lints the definitions element of a diagram (bpmn-js: modeler.getDefinitions()). */
export async function lint(definitions: unknown): Promise<LintFinding[]> {
  const results: Record<string, Array<{ id?: string; message: string; category: string }>> = await new Linter({ config: { extends: 'bpmnlint:recommended' }, resolver }).lint(definitions);
  const out: LintFinding[] = [];
  for (const [rule, reports] of Object.entries(results)) {
    for (const r of reports) out.push({ rule, element: r.id, message: r.message, severity: r.category === 'warn' ? 'warn' : 'error' });
  }
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
