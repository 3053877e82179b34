'use strict';
/**
 * A small builder for the jurisdictions' diagrams: a process is described once (nodes on a grid, flows
 * between them) and this writes BPMN 2.0 XML with the camunda attributes the host reads and a complete
 * diagram interchange (DI) part: a BPMNShape for every flow node, boundary events included, and a
 * BPMNEdge with orthogonal waypoints for every sequence flow, so the file opens in Camunda Modeler and
 * bpmn-js.
 *
 * Grid: column c, row r (fractions allowed) → centre x = X0 + c·DX, y = Y0 + r·DY.
 *
 * Conventions of the host (see src/engine/definitions.ts): user tasks carry camunda:candidateGroups,
 * camunda:formKey and camunda:dueDate (a deadline expression); timers are boundary events with a
 * timeDuration deadline expression; service tasks bind implementation="${environment.services.notify}"
 * or "${environment.services.setStatus}" with camunda:properties; gateway conditions are one
 * ${environment.variables.<name>} each and every exclusive gateway has a default flow.
 */

const X0 = 120;
const Y0 = 100;
const DX = 170;
const DY = 130;

const SIZE = {
  startEvent: [36, 36],
  endEvent: [36, 36],
  boundaryEvent: [36, 36],
  exclusiveGateway: [50, 50],
  userTask: [120, 80],
  serviceTask: [120, 80],
};

function esc(s) {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function cap(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

class Diagram {
  /**
   * @param {{id: string, name: string, documentation?: string, county: string}} opts
   */
  constructor(opts) {
    this.id = opts.id;
    this.name = opts.name;
    this.county = opts.county;
    this.documentation = opts.documentation;
    this.nodes = [];
    this.flows = [];
    this.byId = new Map();
  }

  add(node) {
    if (!/^[a-z][A-Za-z0-9]*$/.test(node.id)) throw new Error(`${this.id}: id "${node.id}" is not camelCase`);
    if (this.byId.has(node.id)) throw new Error(`${this.id}: duplicate id ${node.id}`);
    this.nodes.push(node);
    this.byId.set(node.id, node);
    return node;
  }

  start(id, name, at) {
    return this.add({ id, type: 'startEvent', name, at });
  }

  end(id, name, at) {
    return this.add({ id, type: 'endEvent', name, at });
  }

  xor(id, name, at) {
    return this.add({ id, type: 'exclusiveGateway', name, at });
  }

  /** setStatus service task. */
  status(id, status, name, at) {
    return this.add({ id, type: 'serviceTask', name, at, service: 'setStatus', properties: { status } });
  }

  /** notify service task. */
  notify(id, name, { template, to, topic }, at) {
    const properties = { template, to };
    if (topic) properties.topic = topic;
    return this.add({ id, type: 'serviceTask', name, at, service: 'notify', properties });
  }

  /**
   * A user task. `remind` and `escalate` add non-interrupting boundary timers, each leading to a notify
   * task and an end event placed under the task (or where `at` of the option says).
   */
  user(id, name, { groups, form, due, doc, remind, escalate }, at) {
    const node = this.add({ id, type: 'userTask', name, at, groups, form, due, doc });
    const [c, r] = at;
    if (remind) {
      this.timer(`${id}Reminder`, remind.name ?? '期限前提醒', id, remind.duration, -28);
      this.notify(`${id}Remind`, remind.taskName ?? '发送期限提醒', { template: remind.template, to: remind.to, topic: remind.topic ?? 'reminder' }, remind.at ?? [c - 0.45, r + 1]);
      this.end(`${id}Reminded`, '已提醒', remind.endAt ?? [c - 0.45, r + 1.72]);
      this.flow(`${id}Reminder`, `${id}Remind`);
      this.flow(`${id}Remind`, `${id}Reminded`);
    }
    if (escalate) {
      this.timer(`${id}Overdue`, escalate.name ?? '超期督办', id, escalate.duration, 28);
      this.notify(`${id}Escalate`, escalate.taskName ?? '发送督办通知', { template: escalate.template, to: escalate.to, topic: escalate.topic ?? 'escalation' }, escalate.at ?? [c + 0.45, r + 1]);
      this.end(`${id}Escalated`, '已督办（逾期记录在案）', escalate.endAt ?? [c + 0.45, r + 1.72]);
      this.flow(`${id}Overdue`, `${id}Escalate`);
      this.flow(`${id}Escalate`, `${id}Escalated`);
    }
    return node;
  }

  /** A non-interrupting boundary timer on the bottom edge of a task, dx pixels from its centre. */
  timer(id, name, attachedTo, duration, dx = 0) {
    return this.add({ id, type: 'boundaryEvent', name, attachedTo, duration, dx, interrupting: false });
  }

  /**
   * A sequence flow. opts: id, name, when (variable name: condition ${environment.variables.<when>}),
   * isDefault (the gateway's default flow), via (grid points the edge passes), exit/entry sides.
   */
  flow(from, to, opts = {}) {
    const id = opts.id ?? `${from}To${cap(to)}`;
    const f = { id, from, to, ...opts };
    if (this.flows.some((x) => x.id === id)) throw new Error(`${this.id}: duplicate flow id ${id}`);
    this.flows.push(f);
    return f;
  }

  /** Chains flows a → b → c …; each item is an id or [id, flowOpts]. */
  chain(...items) {
    for (let i = 1; i < items.length; i++) {
      const prev = Array.isArray(items[i - 1]) ? items[i - 1][0] : items[i - 1];
      const [next, opts] = Array.isArray(items[i]) ? items[i] : [items[i], {}];
      this.flow(prev, next, opts);
    }
  }

  // ---------- validation ----------

  check() {
    const problems = [];
    for (const f of this.flows) {
      if (!this.byId.has(f.from)) problems.push(`flow ${f.id}: no source ${f.from}`);
      if (!this.byId.has(f.to)) problems.push(`flow ${f.id}: no target ${f.to}`);
    }
    for (const n of this.nodes) {
      const out = this.flows.filter((f) => f.from === n.id);
      const inc = this.flows.filter((f) => f.to === n.id);
      if (n.type !== 'startEvent' && n.type !== 'boundaryEvent' && inc.length === 0) problems.push(`${n.id} has no incoming flow`);
      if (n.type !== 'endEvent' && out.length === 0) problems.push(`${n.id} has no outgoing flow`);
      if (n.type === 'exclusiveGateway' && out.length > 1) {
        const defaults = out.filter((f) => f.isDefault);
        if (defaults.length !== 1) problems.push(`gateway ${n.id} needs exactly one default flow`);
        for (const f of out) if (!f.isDefault && !f.when) problems.push(`flow ${f.id} out of gateway ${n.id} needs a condition`);
      }
      if (n.type !== 'exclusiveGateway') {
        for (const f of out) if (f.when || f.isDefault) problems.push(`flow ${f.id}: conditions only on gateway flows`);
      }
      if (n.type === 'boundaryEvent' && !this.byId.has(n.attachedTo)) problems.push(`${n.id} attached to nothing`);
    }
    if (problems.length) throw new Error(`${this.id}:\n  ${problems.join('\n  ')}`);
  }

  // ---------- geometry ----------

  bounds(n) {
    const [w, h] = SIZE[n.type];
    if (n.type === 'boundaryEvent') {
      const host = this.bounds(this.byId.get(n.attachedTo));
      const cx = host.x + host.w / 2 + n.dx;
      const cy = host.y + host.h;
      return { x: cx - w / 2, y: cy - h / 2, w, h, cx, cy };
    }
    const cx = X0 + n.at[0] * DX;
    const cy = Y0 + n.at[1] * DY;
    return { x: cx - w / 2, y: cy - h / 2, w, h, cx, cy };
  }

  grid(p) {
    return [X0 + p[0] * DX, Y0 + p[1] * DY];
  }

  waypoints(f) {
    const a = this.bounds(this.byId.get(f.from));
    const b = this.bounds(this.byId.get(f.to));
    const src = this.byId.get(f.from);
    const side = (box, s) =>
      ({
        right: [box.x + box.w, box.cy],
        left: [box.x, box.cy],
        top: [box.cx, box.y],
        bottom: [box.cx, box.y + box.h],
      })[s];
    const pts = [];
    if (f.via) {
      const via = f.via.map((p) => this.grid(p));
      const first = via[0];
      const last = via[via.length - 1];
      const exit = f.exit ?? (Math.abs(first[1] - a.cy) < 1 ? (first[0] > a.cx ? 'right' : 'left') : first[1] < a.cy ? 'top' : 'bottom');
      const entry = f.entry ?? (Math.abs(last[1] - b.cy) < 1 ? (last[0] < b.cx ? 'left' : 'right') : last[1] < b.cy ? 'top' : 'bottom');
      const s = side(a, exit);
      const e = side(b, entry);
      pts.push(s);
      // Align the first and last bends with the exit and entry points.
      if (exit === 'top' || exit === 'bottom') via[0] = [s[0], via[0][1]];
      else via[0] = [via[0][0], s[1]];
      if (entry === 'top' || entry === 'bottom') via[via.length - 1] = [e[0], via[via.length - 1][1]];
      else via[via.length - 1] = [via[via.length - 1][0], e[1]];
      pts.push(...via, e);
      return dedupe(pts);
    }
    if (src.type === 'boundaryEvent') {
      const s = [a.cx, a.y + a.h];
      if (b.x <= a.cx && a.cx <= b.x + b.w && b.cy > a.cy) return [s, [a.cx, b.y]];
      return dedupe([s, [a.cx, b.cy], a.cx < b.cx ? [b.x, b.cy] : [b.x + b.w, b.cy]]);
    }
    const sameRow = Math.abs(a.cy - b.cy) < 1;
    const sameCol = Math.abs(a.cx - b.cx) < 1;
    if (sameRow && b.cx > a.cx) return [side(a, 'right'), side(b, 'left')];
    if (sameRow) {
      // Backwards on the same row: over the top.
      const lane = a.cy - DY / 2;
      return [side(a, 'top'), [a.cx, lane], [b.cx, lane], side(b, 'top')];
    }
    if (sameCol) return b.cy > a.cy ? [side(a, 'bottom'), side(b, 'top')] : [side(a, 'top'), side(b, 'bottom')];
    const down = b.cy > a.cy;
    if (b.cx > a.cx) {
      // Vertical out of the source, horizontal into the target's left side.
      const s = side(a, down ? 'bottom' : 'top');
      return [s, [a.cx, b.cy], side(b, 'left')];
    }
    // Backwards to another row: vertical out of the source, horizontal into the target's right side.
    const s = side(a, down ? 'bottom' : 'top');
    return [s, [a.cx, b.cy], side(b, 'right')];
  }

  // ---------- XML ----------

  toXML() {
    this.check();
    const L = [];
    const p = (s) => L.push(s);
    p('<?xml version="1.0" encoding="UTF-8"?>');
    p(
      '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" ' +
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" ' +
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ' +
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
        `id="${this.id}Definitions" targetNamespace="https://haochaping.example/${this.county}" ` +
        'exporter="processes/_tools/build.cjs" exporterVersion="1">',
    );
    p(`  <!-- Generated by processes/_tools/build.cjs from processes/_tools/${this.county}.cjs: edit that file and run "node processes/_tools/build.cjs". -->`);
    p(`  <bpmn:process id="${this.id}" name="${esc(this.name)}" isExecutable="true">`);
    if (this.documentation) p(`    <bpmn:documentation>${esc(this.documentation)}</bpmn:documentation>`);
    const ios = (n) => {
      const out = [];
      for (const f of this.flows.filter((x) => x.to === n.id)) out.push(`      <bpmn:incoming>${f.id}</bpmn:incoming>`);
      for (const f of this.flows.filter((x) => x.from === n.id)) out.push(`      <bpmn:outgoing>${f.id}</bpmn:outgoing>`);
      return out;
    };
    for (const n of this.nodes) {
      const name = n.name ? ` name="${esc(n.name)}"` : '';
      switch (n.type) {
        case 'startEvent':
        case 'endEvent':
          p(`    <bpmn:${n.type} id="${n.id}"${name}>`);
          ios(n).forEach(p);
          p(`    </bpmn:${n.type}>`);
          break;
        case 'exclusiveGateway': {
          const dflt = this.flows.find((f) => f.from === n.id && f.isDefault);
          p(`    <bpmn:exclusiveGateway id="${n.id}"${name}${dflt ? ` default="${dflt.id}"` : ''}>`);
          ios(n).forEach(p);
          p('    </bpmn:exclusiveGateway>');
          break;
        }
        case 'userTask': {
          const attrs = [`camunda:candidateGroups="${esc(n.groups)}"`, `camunda:formKey="${esc(n.form)}"`];
          if (n.due) attrs.push(`camunda:dueDate="${esc(n.due)}"`);
          p(`    <bpmn:userTask id="${n.id}"${name} ${attrs.join(' ')}>`);
          if (n.doc) p(`      <bpmn:documentation>${esc(n.doc)}</bpmn:documentation>`);
          ios(n).forEach(p);
          p('    </bpmn:userTask>');
          break;
        }
        case 'serviceTask': {
          p(`    <bpmn:serviceTask id="${n.id}"${name} implementation="\${environment.services.${n.service}}">`);
          p('      <bpmn:extensionElements>');
          p('        <camunda:properties>');
          for (const [k, v] of Object.entries(n.properties)) p(`          <camunda:property name="${esc(k)}" value="${esc(v)}" />`);
          p('        </camunda:properties>');
          p('      </bpmn:extensionElements>');
          ios(n).forEach(p);
          p('    </bpmn:serviceTask>');
          break;
        }
        case 'boundaryEvent':
          p(`    <bpmn:boundaryEvent id="${n.id}"${name} cancelActivity="${n.interrupting ? 'true' : 'false'}" attachedToRef="${n.attachedTo}">`);
          ios(n).forEach(p);
          p(`      <bpmn:timerEventDefinition id="${n.id}Timer">`);
          p(`        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">${esc(n.duration)}</bpmn:timeDuration>`);
          p('      </bpmn:timerEventDefinition>');
          p('    </bpmn:boundaryEvent>');
          break;
        default:
          throw new Error(`unknown node type ${n.type}`);
      }
    }
    for (const f of this.flows) {
      const name = f.name ? ` name="${esc(f.name)}"` : '';
      if (f.when) {
        p(`    <bpmn:sequenceFlow id="${f.id}"${name} sourceRef="${f.from}" targetRef="${f.to}">`);
        p(`      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${environment.variables.${f.when}}</bpmn:conditionExpression>`);
        p('    </bpmn:sequenceFlow>');
      } else {
        p(`    <bpmn:sequenceFlow id="${f.id}"${name} sourceRef="${f.from}" targetRef="${f.to}" />`);
      }
    }
    p('  </bpmn:process>');
    p(`  <bpmndi:BPMNDiagram id="${this.id}Diagram">`);
    p(`    <bpmndi:BPMNPlane id="${this.id}Plane" bpmnElement="${this.id}">`);
    const r = (v) => Math.round(v);
    // Tasks and gateways first, boundary events after their hosts so they are drawn on top.
    const ordered = [...this.nodes.filter((n) => n.type !== 'boundaryEvent'), ...this.nodes.filter((n) => n.type === 'boundaryEvent')];
    for (const n of ordered) {
      const b = this.bounds(n);
      const marker = n.type === 'exclusiveGateway' ? ' isMarkerVisible="true"' : '';
      p(`      <bpmndi:BPMNShape id="${n.id}Shape" bpmnElement="${n.id}"${marker}>`);
      p(`        <dc:Bounds x="${r(b.x)}" y="${r(b.y)}" width="${b.w}" height="${b.h}" />`);
      if (n.type !== 'userTask' && n.type !== 'serviceTask' && n.name) {
        // Label under events and gateways.
        // Label under events and gateways; a boundary timer's beside the line that leaves it.
        const lx = n.type === 'boundaryEvent' ? (n.dx < 0 ? b.cx - 66 : b.cx + 4) : b.cx - 50;
        const lw = n.type === 'boundaryEvent' ? 62 : 100;
        p('        <bpmndi:BPMNLabel>');
        p(`          <dc:Bounds x="${r(lx)}" y="${r(b.y + b.h + 4)}" width="${lw}" height="27" />`);
        p('        </bpmndi:BPMNLabel>');
      }
      p('      </bpmndi:BPMNShape>');
    }
    for (const f of this.flows) {
      p(`      <bpmndi:BPMNEdge id="${f.id}Edge" bpmnElement="${f.id}">`);
      for (const [x, y] of this.waypoints(f)) p(`        <di:waypoint x="${r(x)}" y="${r(y)}" />`);
      p('      </bpmndi:BPMNEdge>');
    }
    p('    </bpmndi:BPMNPlane>');
    p('  </bpmndi:BPMNDiagram>');
    p('</bpmn:definitions>');
    return L.join('\n') + '\n';
  }
}

function dedupe(pts) {
  const out = [];
  for (const q of pts) {
    const last = out[out.length - 1];
    if (!last || Math.abs(last[0] - q[0]) > 0.5 || Math.abs(last[1] - q[1]) > 0.5) out.push(q);
  }
  return out;
}

module.exports = { Diagram };
