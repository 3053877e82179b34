// bpmn-moddle ships its types under ./types, not on the package root.
declare module 'bpmn-moddle' {
  export class BpmnModdle {
    constructor(packages?: Record<string, unknown>);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    fromXML(xml: string, typeName?: string): Promise<any>;
  }
}
