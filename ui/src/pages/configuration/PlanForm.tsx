import {
  ActionIcon,
  Badge,
  Button,
  Checkbox,
  Chip,
  Group,
  NativeSelect,
  Paper,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useEffect, useRef } from 'react';
import type { Finding } from '../../api/client';
import { RuleList, type Rule } from './RuleList';
import { rowOf, whereIs, type Plan } from './planText';

// The plan as the form edits it; parts the form does not know stay as they are.
type Json = Record<string, unknown>;
interface Field extends Json {
  name: string;
  type?: string;
  validators?: Json[];
}
interface ScopeRule {
  effect?: string;
  filter: string;
}

const simpleValidators = ['required', 'unique', 'email', 'e164', 'timeZone'];
const validatorLabels: Record<string, string> = {
  required: 'required',
  unique: 'unique',
  email: 'email',
  e164: 'E.164 phone',
  timeZone: 'IANA time zone',
};

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** A field's validators: the simple kinds chosen, the others (with parameters) kept. */
export function withValidators(field: Field, kinds: string[]): Field {
  const kept = list<Json>(field.validators).filter((v) => !simpleValidators.includes(String(v.kind)));
  return { ...field, validators: [...kinds.map((kind) => ({ kind })), ...kept] };
}

/** A field's `oneOf` values (e.g. the roles that exist in the target); none removes it. */
export function withAllowedValues(field: Field, values: string[]): Field {
  const others = list<Json>(field.validators).filter((v) => v.kind !== 'oneOf');
  const existing = list<Json>(field.validators).find((v) => v.kind === 'oneOf');
  return {
    ...field,
    validators: values.length ? [...others, { ...(existing ?? {}), kind: 'oneOf', values }] : others,
  };
}

/**
 * The plan as forms: rules (target, source, transforms, default, when), fields with their
 * validators, matching attributes and scoping filters. Every change produces a whole plan,
 * which the editor validates as it does typed JSON.
 */
export function PlanForm({
  plan,
  onChange,
  findings = [],
}: {
  plan: Plan;
  onChange: (plan: Plan) => void;
  /** The plan's validation findings: each error is shown on the row it belongs to. */
  findings?: Finding[];
}) {
  // Errors by row (`rules/7`), and the page scrolls to the first when it changes.
  const errors = new Map<string, Finding[]>();
  for (const f of findings.filter((x) => x.severity === 'error')) {
    const row = rowOf(f.location);
    if (row) errors.set(row, [...(errors.get(row) ?? []), f]);
  }
  const first = [...errors.keys()][0] ?? null;
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!first) return;
    root.current
      ?.querySelector(`[data-plan-row="${first}"]`)
      ?.scrollIntoView?.({ block: 'center', behavior: 'smooth' });
  }, [first]);
  const rowErrors = (row: string) => {
    const list = errors.get(row);
    return list ? (
      <Text size="sm" c="red" role="alert" data-testid={`errors-${row.replace('/', '-')}`}>
        {list.map((f) => `${whereIs(f.location)}: ${f.message}`).join(' · ')}
      </Text>
    ) : null;
  };
  const marked = (row: string) =>
    errors.has(row)
      ? { 'data-plan-row': row, 'data-invalid': 'true', style: { background: 'var(--mantine-color-red-light)' } }
      : { 'data-plan-row': row };
  const rules = list<Rule>(plan.rules);
  const fields = list<Field>(plan.fields);
  const matching = list<{ attribute: string; primary?: boolean }>(plan.matching);
  const scoping = (plan.scoping ?? {}) as { users?: ScopeRule[]; groups?: ScopeRule[]; outOfScope?: string };
  // Option lists must not repeat (a plan being edited may name a field twice).
  const fieldNames = [...new Set(fields.map((f) => f.name).filter(Boolean))];
  const set = (key: string, value: unknown) => onChange({ ...plan, [key]: value });
  const setField = (i: number, field: Field) =>
    set(
      'fields',
      fields.map((f, j) => (j === i ? field : f)),
    );
  const setScope = (kind: 'users' | 'groups', items: ScopeRule[]) => set('scoping', { ...scoping, [kind]: items });

  return (
    <Stack ref={root}>
      <Group>
        <NativeSelect
          label="When a validator fails"
          value={String(plan.mode ?? 'enforce')}
          onChange={(e) => set('mode', e.currentTarget.value)}
          data={[
            { value: 'enforce', label: 'Refuse the request (400)' },
            { value: 'warnOnly', label: 'Accept it with a warning' },
          ]}
        />
        <NativeSelect
          label="Attributes no rule reads"
          value={String(plan.unsupported ?? 'ignore')}
          onChange={(e) => set('unsupported', e.currentTarget.value)}
          data={[
            { value: 'ignore', label: 'Ignore them (warning)' },
            { value: 'reject', label: 'Refuse the request' },
          ]}
        />
      </Group>

      <RuleList
        rules={rules}
        fieldNames={fieldNames}
        onChange={(next) => set('rules', next)}
        errorsOf={rowErrors}
        invalid={(row) => errors.has(row)}
      />

      <Paper withBorder p="sm">
        <Group justify="space-between" mb="xs">
          <Title order={3} size="h4">
            Fields the target accepts
          </Title>
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPlus size={14} />}
            onClick={() =>
              set('fields', [...fields, { name: '', type: 'string', custom: true, description: '', validators: [] }])
            }
          >
            Add field
          </Button>
        </Group>
        <Stack gap="xs">
          {fields.map((field, i) => {
            const validators = list<Json>(field.validators);
            const kinds = validators.map((v) => String(v.kind)).filter((k) => simpleValidators.includes(k));
            const others = validators.filter((v) => !simpleValidators.includes(String(v.kind)) && v.kind !== 'oneOf');
            const oneOf = validators.find((v) => v.kind === 'oneOf');
            return (
              <div key={i} {...marked(`fields/${i}`)}>
                <Group align="flex-start" wrap="nowrap" gap="xs">
                  <TextInput
                    aria-label={`Name of field ${i + 1}`}
                    value={field.name}
                    onChange={(e) => setField(i, { ...field, name: e.currentTarget.value })}
                    w={300}
                    styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  />
                  <NativeSelect
                    aria-label={`Type of field ${i + 1}`}
                    value={String(field.type ?? 'string')}
                    onChange={(e) => setField(i, { ...field, type: e.currentTarget.value })}
                    data={['string', 'boolean', 'integer', 'dateTime']}
                  />
                  {field.custom === true && (
                    <Tooltip
                      multiline
                      w={300}
                      label="A secret (a PIN, a one-time code): write-only in /Schemas, never stored or returned, and *** in the log and test runs."
                    >
                      <Checkbox
                        mt={8}
                        size="xs"
                        label="Secret"
                        aria-label={`Field ${i + 1} holds a secret`}
                        checked={field.secret === true}
                        onChange={(e) => setField(i, { ...field, secret: e.currentTarget.checked || undefined })}
                      />
                    </Tooltip>
                  )}
                  <Tooltip
                    multiline
                    w={300}
                    label="Once a user has a value, no write may change or clear it (400 mutability); a deactivation still goes through. For an externalId that identifies the user in the identity provider for good."
                  >
                    <Checkbox
                      mt={8}
                      size="xs"
                      label="Immutable"
                      aria-label={`Field ${i + 1} is immutable`}
                      checked={field.immutable === true}
                      onChange={(e) => setField(i, { ...field, immutable: e.currentTarget.checked || undefined })}
                    />
                  </Tooltip>
                  <Stack gap={4} style={{ flex: 1 }}>
                    <Chip.Group multiple value={kinds} onChange={(v) => setField(i, withValidators(field, v))}>
                      <Group gap={4}>
                        {simpleValidators.map((k) => (
                          <Chip key={k} value={k} size="xs">
                            {validatorLabels[k]}
                          </Chip>
                        ))}
                      </Group>
                    </Chip.Group>
                    <TagsInput
                      size="xs"
                      aria-label={`Allowed values of field ${i + 1}`}
                      placeholder="allowed values, e.g. the roles that exist (Enter after each)"
                      value={list<string>(oneOf?.values)}
                      onChange={(v) => setField(i, withAllowedValues(field, v))}
                    />
                    {others.length > 0 && (
                      <Group gap={4}>
                        {others.map((v, j) => (
                          <Badge key={j} variant="outline" size="sm">
                            {String(v.kind)} (parameters in JSON)
                          </Badge>
                        ))}
                      </Group>
                    )}
                  </Stack>
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={`Remove field ${i + 1}`}
                    onClick={() =>
                      set(
                        'fields',
                        fields.filter((_, j) => j !== i),
                      )
                    }
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
                {rowErrors(`fields/${i}`)}
              </div>
            );
          })}
        </Stack>
      </Paper>

      <Paper withBorder p="sm">
        <Title order={3} size="h4" mb={4}>
          Matching
        </Title>
        <Text size="sm" c="dimmed" mb="xs">
          How an identity provider's user is matched to one already in the target, in order; the first is primary.
        </Text>
        <TagsInput
          aria-label="Matching attributes"
          value={matching.map((m) => m.attribute)}
          onChange={(attributes) =>
            set(
              'matching',
              attributes.map((attribute, i) => ({ attribute, primary: i === 0 })),
            )
          }
          data={[...new Set(['userName', 'externalId', 'emails[type eq "work"].value', ...fieldNames])]}
        />
        <Checkbox
          mt="sm"
          label="Link an imported user whose userName is a short name to the provider's user whose matching value is an email with that local part (ada ↔ ada@contoso.com)"
          checked={plan.matchLocalPart === true}
          onChange={(e) => set('matchLocalPart', e.currentTarget.checked || undefined)}
        />
      </Paper>

      <Paper withBorder p="sm">
        <Title order={3} size="h4" mb={4}>
          Scoping
        </Title>
        <Text size="sm" c="dimmed" mb="xs">
          SCIM filters: a resource is in scope when every include matches and no exclude does.
        </Text>
        {(['users', 'groups'] as const).map((kind) => {
          const items = list<ScopeRule>(scoping[kind]);
          return (
            <Stack key={kind} gap={4} mb="sm">
              <Group justify="space-between">
                <Text fw={600} size="sm">
                  {kind === 'users' ? 'Users' : 'Groups'}
                </Text>
                <Button
                  size="compact-xs"
                  variant="light"
                  onClick={() => setScope(kind, [...items, { effect: 'include', filter: '' }])}
                >
                  Add filter
                </Button>
              </Group>
              {items.map((item, i) => (
                <Group key={i} gap="xs" wrap="nowrap">
                  <NativeSelect
                    aria-label={`Effect of ${kind} filter ${i + 1}`}
                    value={item.effect ?? 'include'}
                    onChange={(e) =>
                      setScope(
                        kind,
                        items.map((x, j) => (j === i ? { ...x, effect: e.currentTarget.value } : x)),
                      )
                    }
                    data={['include', 'exclude']}
                  />
                  <TextInput
                    style={{ flex: 1 }}
                    aria-label={`Filter ${i + 1} on ${kind}`}
                    placeholder='urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Ops"'
                    value={item.filter}
                    onChange={(e) =>
                      setScope(
                        kind,
                        items.map((x, j) => (j === i ? { ...x, filter: e.currentTarget.value } : x)),
                      )
                    }
                    styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={`Remove ${kind} filter ${i + 1}`}
                    onClick={() =>
                      setScope(
                        kind,
                        items.filter((_, j) => j !== i),
                      )
                    }
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              ))}
            </Stack>
          );
        })}
        <NativeSelect
          label="A request for a resource out of scope"
          value={scoping.outOfScope ?? 'reject'}
          onChange={(e) => set('scoping', { ...scoping, outOfScope: e.currentTarget.value })}
          data={[
            { value: 'reject', label: 'is refused with a clear error' },
            { value: 'acceptInactive', label: 'is accepted, stored inactive' },
          ]}
          maw={360}
        />
      </Paper>
    </Stack>
  );
}
