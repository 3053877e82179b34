/**
 * The `notify` service a diagram binds with implementation="${environment.services.notify}".
 * camunda:properties on the task: template (required: templates/<county>/<template>.hbs), to (required:
 * comma-separated recipients, e.g. group:处理中心, unit:${environment.variables.unitId}, evaluator), topic
 * (optional). It writes one outbox row in the step's transaction; the dispatcher delivers it afterwards.
 */
import type { ServiceDefinition } from '../engine/services';
import type { TemplateStore } from './templates';

export function notifyService(templates: TemplateStore): ServiceDefinition {
  return {
    name: 'notify',
    description: 'Renders a handlebars template and queues it for delivery (outbox) to the recipients in "to".',
    requiredProperties: ['template', 'to'],
    lint(properties, countyId) {
      const t = properties.template;
      if (t && !t.includes('${') && !templates.resolve(countyId, t)) return [`template "${t}" not found in templates/${countyId}/ or templates/common/`];
      return [];
    },
    run(call) {
      const template = call.properties.template;
      const body = templates.render(call.countyId, template, {
        ...call.variables,
        businessKey: call.businessKey,
        instanceId: call.instanceId,
        now: call.now,
      });
      const recipients = call.properties.to
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      call.enqueue({
        topic: call.properties.topic || template,
        recipients,
        body,
        payload: { template, businessKey: call.businessKey, elementId: call.elementId },
      });
    },
  };
}
