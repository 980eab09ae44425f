// The mapping plan as the editor holds it: JSON text, parsed on every change.

import type { Schemas } from '../../api/client';

/** A plan as the editor edits it: any JSON object, which the admin API then validates. */
export type Plan = Record<string, unknown>;

/**
 * A plan as the admin API types it (its OpenAPI document). What the editor loads from the API
 * must be one: a response of another shape (a provider side, say) does not type-check.
 */
export type ApiPlan = Schemas['Plan'];

export type Parsed = { plan: Plan; error: null } | { plan: null; error: string };

/** Parses the editor's text: a plan object, or what is wrong with the text and where. */
export function parsePlan(text: string): Parsed {
  if (!text.trim()) return { plan: null, error: 'The plan is empty: load a template to start from.' };
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return { plan: null, error: 'A plan is a JSON object with "fields" and "rules".' };
    return { plan: value as Plan, error: null };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const offset = jsonErrorOffset(text);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return { plan: null, error: `Not valid JSON at line ${line}, column ${column}: ${message}` };
  }
}

/**
 * Where JSON text first goes wrong (an offset; the text's length when it ends too early). Engines
 * word `JSON.parse` errors differently and not all give a position, so the editor finds it itself.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string) => {
    for (const c of word) {
      if (text[i] !== c) fail();
      i++;
    }
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fail();
    i += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return text.length;
  } catch (at) {
    return Math.min(typeof at === 'number' ? at : 0, text.length);
  }
}

/** The text of a plan loaded from the admin API, as the editor shows it. */
export function planText(plan: ApiPlan): string {
  return JSON.stringify(plan, null, 2);
}

/** The text of a plan the form edited (kept as it is: the API validates it). */
export function editedPlanText(plan: Plan): string {
  return JSON.stringify(plan, null, 2);
}

export interface RuleRow {
  target: string;
  source: string;
  transforms: string;
  default: string;
  apply: string;
}

export interface FieldRow {
  name: string;
  type: string;
  validators: string;
}

function kinds(list: unknown): string {
  if (!Array.isArray(list)) return '';
  return list
    .map((item) => (item && typeof item === 'object' && 'kind' in item ? String((item as { kind: unknown }).kind) : ''))
    .filter(Boolean)
    .join(', ');
}

/** The plan's rules and fields as table rows (whatever parts of them are present). */
export function planRows(plan: Plan): { rules: RuleRow[]; fields: FieldRow[] } {
  const rules = Array.isArray(plan.rules) ? plan.rules : [];
  const fields = Array.isArray(plan.fields) ? plan.fields : [];
  const text = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  return {
    rules: rules.map((r: Record<string, unknown>) => ({
      target: text(r?.target),
      source: text(r?.source ?? r?.expression),
      transforms: kinds(r?.transforms),
      default: text(r?.default),
      apply: text(r?.apply),
    })),
    fields: fields.map((f: Record<string, unknown>) => ({
      name: text(f?.name),
      type: text(f?.type),
      validators: kinds(f?.validators),
    })),
  };
}

/**
 * Where a finding points, numbered as the editor numbers rows (from 1): `/rules/7/transforms/0`
 * is "rule 8, transform 1"; `/fields/2/validators/1` is "field 3, validator 2".
 */
export function whereIs(location: string): string {
  const names: Record<string, string> = {
    rules: 'rule',
    fields: 'field',
    transforms: 'transform',
    validators: 'validator',
    matching: 'matching attribute',
    users: 'users filter',
    groups: 'groups filter',
  };
  const parts = location.split('/').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const name = names[parts[i]];
    const index = parts[i + 1];
    if (name && index !== undefined && /^\d+$/.test(index)) {
      out.push(`${name} ${Number(index) + 1}`);
      i++;
    } else if (parts[i] !== 'scoping') {
      out.push(parts[i]);
    }
  }
  // The root (an empty pointer): the plan as a whole.
  return out.length ? out.join(', ') : location || 'the plan';
}

/** The row a finding belongs to in the form: `rules/3` or `fields/0`, or null. */
export function rowOf(location: string): string | null {
  const m = /^\/(rules|fields)\/(\d+)/.exec(location);
  return m ? `${m[1]}/${m[2]}` : null;
}
