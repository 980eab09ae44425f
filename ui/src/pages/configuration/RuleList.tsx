import {
  ActionIcon,
  Autocomplete,
  Badge,
  Button,
  Chip,
  Code,
  Drawer,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { IconArrowLeft, IconChevronDown, IconChevronUp, IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { Fragment, type ReactNode, useState } from 'react';
import { ExpressionField } from './ExpressionField';

type Json = Record<string, unknown>;

/** A rule of the plan as the form edits it; parts it does not know stay as they are. */
export interface Rule extends Json {
  target: string;
  source?: string;
  transforms?: Json[];
  default?: unknown;
  apply?: string;
}

/** The transforms the form offers as chips (an expression is edited on its own). */
export const simpleTransforms = ['trim', 'lowercase', 'uppercase', 'normalizeDiacritics', 'stripSpaces'];

const applies: Record<string, string> = { always: 'always', create: 'on create', update: 'on update' };

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** The rule's transforms: the simple kinds chosen, any expression kept (and editable). */
export function withTransforms(rule: Rule, kinds: string[], expression: string | null): Rule {
  const transforms: Json[] = kinds.map((kind) => ({ kind }));
  if (expression !== null) transforms.push({ kind: 'expression', expression });
  return { ...rule, transforms };
}

/** A transform in a few words: its kind, or an expression's text. */
export function transformLabel(transform: Json): string {
  return transform.kind === 'expression' ? String(transform.expression ?? '') : String(transform.kind ?? '?');
}

/**
 * The plan's rules as a compact list (target ← source, transforms as chips, when it applies),
 * each opened in a side pane that edits it: as Entra ID's attribute mappings and their "Edit
 * attribute" pane.
 */
export function RuleList({
  rules,
  fieldNames,
  onChange,
  errorsOf,
  invalid,
}: {
  rules: Rule[];
  /** The plan's field names: what a rule's target may be. */
  fieldNames: string[];
  onChange: (rules: Rule[]) => void;
  /** A row's errors (`rules/3`), shown under it and in its pane; null when it has none. */
  errorsOf: (row: string) => ReactNode;
  /** Whether a row has an error. */
  invalid: (row: string) => boolean;
}) {
  const [open, setOpen] = useState<number | null>(null);
  const setRule = (i: number, rule: Rule) => onChange(rules.map((r, j) => (j === i ? rule : r)));
  const remove = (i: number) => {
    setOpen(null);
    onChange(rules.filter((_, j) => j !== i));
  };
  const editing = open !== null && open < rules.length ? open : null;
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4">
          Rules
        </Title>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          onClick={() => {
            onChange([...rules, { target: '', source: '', transforms: [], apply: 'always' }]);
            setOpen(rules.length);
          }}
        >
          Add rule
        </Button>
      </Group>
      <div role="region" aria-label="Rules form" tabIndex={0} style={{ overflowX: 'auto', position: 'relative' }}>
        <Table verticalSpacing={4} aria-label="Rules form table" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40}>#</Table.Th>
              <Table.Th>Target ← source</Table.Th>
              <Table.Th>Transforms</Table.Th>
              <Table.Th>Applies</Table.Th>
              <Table.Th w={80}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rules.map((rule, i) => {
              const row = `rules/${i}`;
              const marks = invalid(row)
                ? {
                    'data-plan-row': row,
                    'data-invalid': 'true',
                    style: { background: 'var(--mantine-color-red-light)' },
                  }
                : { 'data-plan-row': row };
              const transforms = list<Json>(rule.transforms);
              return (
                <Fragment key={i}>
                  <Table.Tr {...marks} onClick={() => setOpen(i)} style={{ ...marks.style, cursor: 'pointer' }}>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {i + 1}
                      </Text>
                    </Table.Td>
                    <Table.Td style={{ wordBreak: 'break-word' }}>
                      <Text size="sm" ff="monospace" fw={600} span>
                        {rule.target || '(no target)'}
                      </Text>
                      <Text size="sm" ff="monospace" c="dimmed" span>
                        {' ← '}
                        {String(rule.source ?? '') || '(no source)'}
                      </Text>
                      {rule.default != null && rule.default !== '' && (
                        <Text size="xs" c="dimmed">
                          default {JSON.stringify(rule.default)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {transforms.length === 0 ? (
                          <Text size="sm" c="dimmed">
                            —
                          </Text>
                        ) : (
                          transforms.map((t, j) =>
                            t.kind === 'expression' ? (
                              <Code key={j} fz="xs" style={{ wordBreak: 'break-all' }}>
                                {transformLabel(t)}
                              </Code>
                            ) : (
                              <Badge key={j} variant="light" size="sm" tt="none">
                                {transformLabel(t)}
                              </Badge>
                            ),
                          )
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{applies[String(rule.apply ?? 'always')] ?? String(rule.apply)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={0} wrap="nowrap" onClick={(e) => e.stopPropagation()}>
                        <Tooltip label="Edit">
                          <ActionIcon variant="subtle" aria-label={`Edit rule ${i + 1}`} onClick={() => setOpen(i)}>
                            <IconPencil size={16} />
                          </ActionIcon>
                        </Tooltip>
                        <Tooltip label="Remove">
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            aria-label={`Remove rule ${i + 1}`}
                            onClick={() => remove(i)}
                          >
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Tooltip>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                  {invalid(row) && (
                    <Table.Tr {...marks}>
                      <Table.Td colSpan={5}>{errorsOf(row)}</Table.Td>
                    </Table.Tr>
                  )}
                </Fragment>
              );
            })}
          </Table.Tbody>
        </Table>
      </div>
      <Drawer
        opened={editing !== null}
        onClose={() => setOpen(null)}
        position="right"
        size="lg"
        title={
          editing !== null ? (
            <Text fw={600}>
              Edit rule {editing + 1}
              {rules[editing].target ? `: ${rules[editing].target}` : ''}
            </Text>
          ) : null
        }
        closeButtonProps={{ 'aria-label': 'Close the rule' }}
      >
        {editing !== null && (
          <RuleEditor
            index={editing}
            rule={rules[editing]}
            fieldNames={fieldNames}
            onChange={(rule) => setRule(editing, rule)}
            errors={errorsOf(`rules/${editing}`)}
            footer={
              <Group justify="space-between">
                <Group gap="xs">
                  <Button
                    variant="default"
                    size="xs"
                    leftSection={<IconChevronUp size={14} />}
                    disabled={editing === 0}
                    onClick={() => setOpen(editing - 1)}
                  >
                    Previous rule
                  </Button>
                  <Button
                    variant="default"
                    size="xs"
                    leftSection={<IconChevronDown size={14} />}
                    disabled={editing === rules.length - 1}
                    onClick={() => setOpen(editing + 1)}
                  >
                    Next rule
                  </Button>
                </Group>
                <Group gap="xs">
                  <Button
                    variant="subtle"
                    color="red"
                    size="xs"
                    leftSection={<IconTrash size={14} />}
                    onClick={() => remove(editing)}
                  >
                    Remove rule
                  </Button>
                  <Button size="xs" leftSection={<IconArrowLeft size={14} />} onClick={() => setOpen(null)}>
                    Back to the list
                  </Button>
                </Group>
              </Group>
            }
          />
        )}
      </Drawer>
    </Paper>
  );
}

/** One rule in the side pane: where it writes, what it reads, how it changes it, and when. */
function RuleEditor({
  index,
  rule,
  fieldNames,
  onChange,
  errors,
  footer,
}: {
  index: number;
  rule: Rule;
  fieldNames: string[];
  onChange: (rule: Rule) => void;
  errors: ReactNode;
  footer: ReactNode;
}) {
  const n = index + 1;
  const transforms = list<Json>(rule.transforms);
  const kinds = transforms.map((t) => String(t.kind)).filter((k) => simpleTransforms.includes(k));
  const expression = transforms.find((t) => t.kind === 'expression');
  return (
    <Stack data-plan-pane={`rules/${index}`}>
      {errors}
      <Autocomplete
        label="Target field"
        description="The field of the target this rule fills."
        aria-label={`Target field of rule ${n}`}
        data={fieldNames}
        value={rule.target}
        onChange={(v) => onChange({ ...rule, target: v })}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
      />
      <TextInput
        label="Source"
        description='A SCIM path in what the identity provider sends, e.g. emails[type eq "work"].value.'
        aria-label={`Source of rule ${n}`}
        value={String(rule.source ?? '')}
        onChange={(e) => onChange({ ...rule, source: e.currentTarget.value })}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
      />
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          Transforms
        </Text>
        <Text size="xs" c="dimmed">
          Applied in this order, then the expression (as Entra ID's expression mappings).
        </Text>
        <Chip.Group
          multiple
          value={kinds}
          onChange={(v) => onChange(withTransforms(rule, v, expression ? String(expression.expression ?? '') : null))}
        >
          <Group gap={4}>
            {simpleTransforms.map((k) => (
              <Chip key={k} value={k} size="xs">
                {k}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
        {expression ? (
          <ExpressionField
            label={`rule ${n}`}
            value={String(expression.expression ?? '')}
            onChange={(text) => onChange(withTransforms(rule, kinds, text))}
            onRemove={() => onChange(withTransforms(rule, kinds, null))}
          />
        ) : (
          <Button
            size="compact-xs"
            variant="subtle"
            w="fit-content"
            onClick={() => onChange(withTransforms(rule, kinds, '[value]'))}
          >
            + Entra expression
          </Button>
        )}
      </Stack>
      <TextInput
        label="Default"
        description="Written when the source is empty; none leaves the field empty."
        aria-label={`Default of rule ${n}`}
        placeholder="none"
        value={rule.default == null ? '' : String(rule.default)}
        onChange={(e) => onChange({ ...rule, default: e.currentTarget.value === '' ? null : e.currentTarget.value })}
      />
      <NativeSelect
        label="Applies"
        aria-label={`When rule ${n} applies`}
        value={String(rule.apply ?? 'always')}
        onChange={(e) => onChange({ ...rule, apply: e.currentTarget.value })}
        data={Object.entries(applies).map(([value, label]) => ({ value, label }))}
        maw={240}
      />
      {footer}
    </Stack>
  );
}
