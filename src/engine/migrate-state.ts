/**
 * Moving a stored engine state to another version of its diagram (bpmn-engine has no migration of its
 * own). The state names elements by id everywhere (the activity states, the messages queued in their
 * brokers, a boundary event's attachedTo); a plan renames old element ids to new ones, and the state is
 * then recovered with the new version's definition: elements with the same id keep their state, renamed
 * ones take the state of their old id. Execution ids stay as they were, so task, external task and timer
 * rows still point at the same waits. Pure functions: no engine, no database.
 */
import type { EngineState } from '../db/tables';

/** Keys under which a state names an element by its id. */
const ELEMENT_KEYS = new Set(['id', 'targetId', 'sourceId', 'attachedTo', 'elementId']);

/** A copy of the state with the element ids of the plan renamed. */
export function renameElements(state: EngineState, mapping: Record<string, string>): EngineState {
  const renames = new Map(Object.entries(mapping).filter(([from, to]) => from !== to));
  if (!renames.size) return state;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = ELEMENT_KEYS.has(k) && typeof v === 'string' && renames.has(v) ? renames.get(v) : walk(v);
    }
    return out;
  };
  return walk(state) as EngineState;
}

/** Ids of the elements that are running in a stored state (waiting tasks, events, boundary events), inside sub-processes too. */
export function runningElements(state: EngineState): Array<{ id: string; type: string }> {
  const out: Array<{ id: string; type: string }> = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown) => {
    if (!value || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const v of value) walk(v);
      return;
    }
    const o = value as Record<string, unknown>;
    if (Array.isArray(o.children)) {
      for (const c of o.children as Array<Record<string, unknown>>) {
        if (c && typeof c.id === 'string' && c.status) out.push({ id: c.id, type: String(c.type ?? '') });
      }
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'broker' && k !== 'environment') walk(v);
  };
  walk(state?.definitions);
  return out;
}
