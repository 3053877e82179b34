/**
 * The `notify` service a diagram binds with implementation="${environment.services.notify}".
 * camunda:properties on the task: template (required: templates/<county>/<template>.hbs), to (required:
 * comma-separated recipients, e.g. group:处理中心, unit:${environment.variables.unitId}, evaluator), topic
 * (optional). It writes one outbox row in the step's transaction; the dispatcher delivers it afterwards.
 */
import type { ServiceDefinition } from '../engine/services';
import { maskIdentities } from '../privacy/identity';
import type { TemplateStore } from './templates';

export function notifyService(templates: TemplateStore): ServiceDefinition {
  return {
    name: 'notify',
    description: 'Renders a handlebars template and queues it for delivery (outbox) to the recipients in "to".',
    requiredProperties: ['template', 'to'],
    // Renders and queues, nothing else: reminders and escalations fire in batches (src/engine/notify-timers.ts).
    fastFire: true,
    lint(properties, countyId) {
      const t = properties.template;
      // The template is chosen by the diagram, never by a variable: a name taken from outside could not be checked here.
      if (t && t.includes('${')) return [`template "${t.slice(0, 80)}" must be the name of a template, not an expression`];
      if (t && !templates.resolve(countyId, t)) return [`template "${t.slice(0, 80)}" not found in templates/${countyId}/ or templates/common/`];
      const topic = properties.topic;
      if (topic && (topic.length > 100 || topic.includes('${'))) return [`topic must be a name of at most 100 characters, not an expression`];
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
        topic: (call.properties.topic || template).slice(0, 100),
        recipients,
        // Variables are masked when they enter an instance; the text is masked once more, whatever the template quotes.
        body: maskIdentities(body),
        payload: { template, businessKey: call.businessKey, elementId: call.elementId },
      });
    },
  };
}
