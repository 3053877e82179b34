/**
 * What every route receives from outside (path parameters, query strings, JSON bodies), checked once
 * before any controller sees it: no NUL character anywhere (no column takes one, and no person types
 * one), and no nesting deeper than a person's data ever needs (a deep enough JSON body would overflow
 * the stack of whatever walks it). Each answers 400 naming the field. Routes that read the raw request
 * (diagrams, CSV) check their own text.
 */
import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ValidationError } from '../errors';

export const MAX_INPUT_DEPTH = 32;

@Injectable()
export class InputPipe implements PipeTransform {
  transform(value: unknown, meta: ArgumentMetadata): unknown {
    if (meta.type !== 'body' && meta.type !== 'query' && meta.type !== 'param') return value;
    // A body's fields, and a whole query or parameter object's, are named as the client sent them.
    const problem = inspect(value, meta.type === 'body' ? '' : (meta.data ?? ''));
    if (problem) throw new ValidationError(`${problem.field}: ${problem.reason}`, problem);
    return value;
  }
}

/** The first NUL or over-deep nesting in a value, walked without recursion. */
function inspect(value: unknown, root: string): { field: string; reason: string } | undefined {
  const stack: Array<[unknown, string, number]> = [[value, root, 0]];
  while (stack.length) {
    const [v, at, depth] = stack.pop()!;
    const field = at || '(body)';
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { field, reason: 'contains a NUL character' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) return { field, reason: `nests deeper than ${MAX_INPUT_DEPTH} levels` };
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${at}[${i}]`, depth + 1]));
    else
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (k.includes('\u0000')) return { field: `${at ? `${at}.` : ''}${k.replace(/\u0000/g, '\\0').slice(0, 60)}`, reason: 'is a name with a NUL character' };
        stack.push([x, at ? `${at}.${k}` : k, depth + 1]);
      }
  }
  return undefined;
}
