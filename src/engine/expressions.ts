/**
 * The expressions of a diagram (`${environment.variables.unitId}`), resolved once.
 *
 * bpmn-elements' own resolver rescans its result: when a value taken from a variable itself looks like
 * `${…}`, it is resolved again, and a variable that names itself (`{"unitId": "${environment.variables.unitId}"}`
 * inside "处理中心,${environment.variables.unitId}") loops for ever, synchronously, so no timer can stop
 * it. Values come from outside (ratings, forms, API calls): they must never be read as expressions. This
 * resolver substitutes each `${…}` of the diagram's own text once and never looks at what it inserted.
 *
 * It also reads less: a dotted path (with [index] or ['key']) or a literal (true, false, null, a number);
 * no function calls and no prototype names, so a diagram cannot call a service from a condition or reach
 * into the objects behind the environment.
 */

const WHOLE = /^\$\{([^{}]+)\}$/;
const EMBEDDED = /\$\{([^{}]+)\}/g;
const HAS = /\$\{[^{}]+\}/;
const SEGMENT = /^(?:[A-Za-z_$][\w$]*|\[\s*(?:-?\d+|'[^']*'|"[^"]*")\s*\])/;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** The value of one expression body, e.g. `environment.variables.unitId`; undefined when it names nothing. */
export function readPath(context: unknown, body: string): unknown {
  const text = body.trim();
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const segments = pathSegments(text);
  if (!segments) return undefined;
  let value: unknown = context;
  for (const key of segments) {
    if (value === null || value === undefined) return undefined;
    if (Array.isArray(value) && /^-\d+$/.test(key)) value = value[value.length + Number(key)];
    else value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The keys of a path (`a.b[0]['c']` → a, b, 0, c), or undefined when it is not a plain path. */
export function pathSegments(text: string): string[] | undefined {
  const out: string[] = [];
  let rest = text.trim();
  while (rest) {
    const m = SEGMENT.exec(rest);
    if (!m) return undefined;
    let key = m[0];
    if (key.startsWith('[')) key = key.slice(1, -1).trim().replace(/^(['"])(.*)\1$/, '$2');
    if (FORBIDDEN.has(key)) return undefined;
    out.push(key);
    rest = rest.slice(m[0].length);
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      if (!rest) return undefined;
    } else if (rest && !rest.startsWith('[')) return undefined;
  }
  return out.length ? out : undefined;
}

export function resolveExpression(template: unknown, context: unknown): unknown {
  if (typeof template !== 'string') return template;
  const whole = WHOLE.exec(template);
  if (whole) return readPath(context, whole[1]);
  if (!HAS.test(template)) return template;
  return template.replace(EMBEDDED, (_m, body: string) => {
    const v = readPath(context, body);
    return v === undefined ? '' : String(v);
  });
}

/** The Expressions handler bpmn-elements takes as the option `expressions`. */
export const onePassExpressions = {
  resolveExpression: (template: unknown, context: unknown) => resolveExpression(template, context),
  isExpression: (text: unknown) => typeof text === 'string' && WHOLE.test(text),
  hasExpression: (text: unknown) => typeof text === 'string' && HAS.test(text),
};

/** Every `${…}` body in a text (deploy checks). */
export function expressionsIn(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
}
