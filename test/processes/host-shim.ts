/**
 * TEMPORARY SHIM for a host bug, loaded by the scenario tests only (never by src/).
 *
 * bpmn-elements asks environment.getScript(language) for EVERY sequence-flow condition, also for an
 * expression condition without a language (${environment.variables.genuine}); the runner's noScripts
 * (src/engine/runner.ts) throws for any call, so every gateway condition fails the step with a 500.
 * The fix belongs in the host: noScripts.getScript should return undefined when `language` is empty.
 * Until then this wraps Environment.prototype.getScript so that a call without a language returns
 * undefined; calls with a language still go to the host's noScripts and are refused. Once the host is
 * fixed this wrapper changes nothing. diagrams.test.ts checks the unpatched host (see "host: …").
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Elements = require('bpmn-elements') as { Environment: { prototype: { getScript: (...args: unknown[]) => unknown; __conditionShim?: boolean } } };

const proto = Elements.Environment.prototype;
if (!proto.__conditionShim) {
  const original = proto.getScript;
  proto.getScript = function (this: unknown, language: unknown, ...rest: unknown[]) {
    if (!language) return undefined;
    return original.call(this, language, ...rest);
  };
  proto.__conditionShim = true;
}

export {};
