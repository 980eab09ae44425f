import { CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { json } from '@codemirror/lang-json';
import { EditorState } from '@codemirror/state';
import { jsonCompletion, stateExtensions } from 'codemirror-json-schema';
import plan from '../../../docs/mapping-plan.schema.json';
import { forEditor } from './jsonSchema';

// `plan`: the plan's schema as the server publishes it (`GET /api/mapping/schema`; a test in
// crates/core keeps docs/mapping-plan.schema.json equal to it).

async function complete(schema: unknown, doc: string, at: number): Promise<string[]> {
  const state = EditorState.create({ doc, extensions: [json(), stateExtensions(schema as never)] });
  const result = (await jsonCompletion()(new CompletionContext(state, at, true))) as CompletionResult | null;
  return (result?.options ?? []).map((o) => o.label);
}

test('a documented enumeration becomes an enum, its values described', () => {
  const mode = forEditor({
    description: 'Whether validators refuse requests.',
    oneOf: [
      { type: 'string', const: 'enforce', description: 'Refuses.' },
      { type: 'string', const: 'warnOnly', description: 'Records.' },
    ],
  });
  expect(mode).toEqual({
    description: 'Whether validators refuse requests.\n- `enforce`: Refuses.\n- `warnOnly`: Records.',
    enum: ['enforce', 'warnOnly'],
  });
  // A oneOf of shapes stays as it is.
  const shapes = { oneOf: [{ type: 'object', properties: {} }, { const: 'x' }] };
  expect(forEditor(shapes)).toEqual(shapes);
});

test("the editor completes every key of a plan and an enumeration's values", async () => {
  const schema = forEditor(plan);
  const keys = await complete(schema, '{""}', 2);
  for (const key of ['format', 'fields', 'rules', 'unsupported', 'mode', 'matching', 'scoping', 'groups'])
    expect(keys).toContain(key);
  expect(await complete(schema, '{"mode": ""}', 10)).toEqual(expect.arrayContaining(['enforce', 'warnOnly']));
  // Inside a rule: its keys, and the kinds of transform.
  const rule = await complete(schema, '{"rules": [{""}]}', 13);
  for (const key of ['target', 'source', 'transforms', 'default', 'apply']) expect(rule).toContain(key);
});
