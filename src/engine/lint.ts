/**
 * bpmnlint's recommended rules, run at deploy on a parse of the diagram of their own (rules read
 * properties through moddle getters, which add empty collections to the elements they look at; the
 * engine's copy must not see them). Errors refuse the diagram (with the
 * element id); warnings are returned for the deploy answer and the log. A new Linter is made for every
 * diagram: a reused one keeps rule state between runs and reports false duplicate sequence flows.
 */
import { BpmnModdle } from 'bpmn-moddle';
import camundaSchema from 'camunda-bpmn-moddle/resources/camunda.json';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Linter } = require('bpmnlint') as { Linter: new (options: { config: unknown; resolver: LintResolver }) => { lint(root: unknown): Promise<Record<string, LintReport[]>> } };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const recommended = require('bpmnlint/config/recommended') as { rules: Record<string, string> };

interface LintReport {
  id?: string;
  message: string;
  category: string;
}

interface LintResolver {
  resolveRule(pkg: string, ruleName: string): unknown;
  resolveConfig(pkg: string, configName: string): unknown;
}

export interface LintFinding {
  rule: string;
  element?: string;
  message: string;
  severity: 'error' | 'warn';
}

/** The only rules and config the linter may load: bpmnlint's own recommended set, from node_modules. */
const resolver: LintResolver = {
  resolveRule(pkg, ruleName) {
    if (pkg !== 'bpmnlint' || !(ruleName in recommended.rules)) throw new Error(`lint rule ${pkg}/${ruleName} is not one of bpmnlint's recommended rules`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(`bpmnlint/rules/${ruleName}`);
  },
  resolveConfig(pkg, configName) {
    if (pkg !== 'bpmnlint' || configName !== 'recommended') throw new Error(`lint config ${pkg}:${configName} is not available; only bpmnlint:recommended`);
    return recommended;
  },
};

/** Lints a diagram (XML that bpmn-moddle has already parsed once) with bpmnlint:recommended. */
export async function lintDiagram(xml: string): Promise<LintFinding[]> {
  const { rootElement: definitions } = await new BpmnModdle({ camunda: camundaSchema }).fromXML(xml);
  const linter = new Linter({ config: { extends: 'bpmnlint:recommended' }, resolver });
  const results = await linter.lint(definitions);
  const out: LintFinding[] = [];
  for (const [rule, reports] of Object.entries(results)) {
    for (const r of reports) {
      out.push({ rule, element: r.id, message: r.message, severity: r.category === 'error' || r.category === 'rule-error' ? 'error' : 'warn' });
    }
  }
  return out;
}
