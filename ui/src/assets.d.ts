// Stylesheets and other files the pages import are bundled by esbuild.
declare module '*.css';
// Libraries of the modeler page that ship no type declarations.
declare module 'bpmn-js-properties-panel';
declare module 'camunda-bpmn-js-behaviors/lib/camunda-platform';
declare module 'bpmnlint';
// Made by ui/build.mjs: bpmnlint's recommended config and every rule it names (the server's rules).
declare module 'virtual:bpmnlint-recommended' {
  export const config: { rules: Record<string, string> };
  export const rules: Record<string, unknown>;
}
