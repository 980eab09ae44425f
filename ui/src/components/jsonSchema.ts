/** A JSON Schema as the code editor takes it. */
export type Schema = Record<string, unknown>;

/** Whether a `oneOf` branch is one documented constant (`{ "const": "enforce", "description": … }`). */
function constant(branch: unknown): branch is { const: unknown; description?: string } {
  return (
    typeof branch === 'object' &&
    branch !== null &&
    'const' in branch &&
    Object.keys(branch).every((k) => k === 'const' || k === 'type' || k === 'description')
  );
}

/**
 * The schema as the editor's completion reads it. A documented enumeration is published as a
 * `oneOf` of constants (one description per value), which the completion does not offer; here it
 * becomes an `enum`, each value's description kept in the property's description.
 */
export function forEditor(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forEditor);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) out[key] = forEditor(value);
  const branches = out.oneOf;
  if (Array.isArray(branches) && branches.length > 0 && branches.every(constant)) {
    delete out.oneOf;
    out.enum = branches.map((b) => b.const);
    const said = branches.filter((b) => b.description).map((b) => `- \`${String(b.const)}\`: ${b.description}`);
    if (said.length) out.description = [out.description, ...said].filter(Boolean).join('\n');
  }
  return out;
}
