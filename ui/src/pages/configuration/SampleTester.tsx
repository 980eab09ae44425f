import { Alert, Badge, Button, Group, Paper, SegmentedControl, Stack, Table, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describe, unwrap, type Configuration } from '../../api/client';
import { parsePlan, type Plan } from './planText';

const entraSample = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: 'ada.lovelace@example.com',
  externalId: 'ada',
  active: true,
  displayName: 'Ada Lovelace',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [{ type: 'work', value: 'ada.lovelace@example.com', primary: true }],
  phoneNumbers: [{ type: 'work', value: '+44 20 7946 0958' }],
  preferredLanguage: 'en-GB',
  timezone: 'Europe/London',
};

interface FieldOutcome {
  field: string;
  rule?: number | null;
  value: unknown;
  verdicts: { validator: string; passed: boolean; message?: string | null }[];
  /** The value read from the sample, before the rule's transforms. */
  read?: unknown;
  /** Each transform with the value before and after it. */
  steps?: { transform: string; before: unknown; after: unknown }[];
}

/** Whether a field failed one of its validators. */
const failed = (f: FieldOutcome) => f.verdicts.some((v) => !v.passed);

/** The fields, those that failed first (in the plan's order otherwise). */
export function failuresFirst(fields: FieldOutcome[]): FieldOutcome[] {
  return [...fields.filter(failed), ...fields.filter((f) => !failed(f))];
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v));

/** Tries the plan in the editor (unsaved) on a sample: a SCIM User, or a user as the IdP holds it. */
export function SampleTester({ configuration, plan }: { configuration: Configuration; plan: Plan | null }) {
  const [kind, setKind] = useState<'sample' | 'source'>('sample');
  const [text, setText] = useState(JSON.stringify(entraSample, null, 2));
  const [operation, setOperation] = useState<'create' | 'update'>('create');
  const parsed = parsePlan(text);
  const run = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/configurations/{id}/mapping/test', {
          params: { path: { id: configuration.id } },
          body: {
            plan: (plan ?? undefined) as Record<string, never> | undefined,
            [kind]: parsed.plan,
            operation,
          },
        }),
      ),
  });
  const result = run.data;
  const fields = failuresFirst((result?.fields ?? []) as unknown as FieldOutcome[]);
  const errorCount = fields.filter(failed).length + (result?.errors.length ?? 0);

  return (
    <Stack>
      <Group>
        <SegmentedControl
          aria-label="Sample kind"
          value={kind}
          onChange={(v) => setKind(v as typeof kind)}
          data={[
            { value: 'sample', label: 'SCIM User (as sent)' },
            { value: 'source', label: 'IdP user (userPrincipalName, …)' },
          ]}
        />
        <SegmentedControl
          aria-label="Operation"
          value={operation}
          onChange={(v) => setOperation(v as typeof operation)}
          data={[
            { value: 'create', label: 'Create' },
            { value: 'update', label: 'Update' },
          ]}
        />
      </Group>
      <Textarea
        label="Sample payload"
        description={plan ? 'Tested against the plan in the editor, saved or not.' : 'Tested against the saved plan.'}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        autosize
        minRows={10}
        maxRows={24}
        spellCheck={false}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
        error={parsed.error ?? undefined}
      />
      <Group>
        <Button onClick={() => run.mutate()} loading={run.isPending} disabled={!parsed.plan}>
          Test sample
        </Button>
        {result && (
          <Badge size="lg" color={result.passed ? 'green' : 'red'} data-testid="sample-verdict">
            {result.passed ? 'Passes' : 'Fails'}
            {result.inScope ? '' : ' · out of scope'}
          </Badge>
        )}
        {result && (
          <Text size="sm" data-testid="sample-errors">
            {errorCount === 0 ? 'No error' : `${errorCount} error${errorCount === 1 ? '' : 's'}, shown first`}
          </Text>
        )}
      </Group>
      {run.isError && (
        <Alert color="red" role="alert">
          {describe(run.error)}
        </Alert>
      )}
      {result && (
        <Paper withBorder p="sm">
          {result.errors.length > 0 && (
            <Alert color="red" mb="sm" title="Transforms that failed">
              {result.errors.join('; ')}
            </Alert>
          )}
          {result.notes.map((n) => (
            <Text key={n} size="sm" c="dimmed">
              {n}
            </Text>
          ))}
          <Table aria-label="Field results" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Field</Table.Th>
                <Table.Th>Read → transforms → value</Table.Th>
                <Table.Th>Validators</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {fields.map((f) => (
                <Table.Tr key={f.field} data-failed={failed(f) || undefined}>
                  <Table.Td ff="monospace">{f.field}</Table.Td>
                  <Table.Td ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                    {(f.steps ?? []).length > 0 ? (
                      <Stack gap={2} data-testid="transform-steps">
                        <Text size="xs">read {show(f.read)}</Text>
                        {(f.steps ?? []).map((step, i) => (
                          <Text size="xs" key={i}>
                            {step.transform}: {show(step.before)} → {show(step.after)}
                          </Text>
                        ))}
                        <Text size="sm" fw={600}>
                          {show(f.value)}
                        </Text>
                      </Stack>
                    ) : (
                      show(f.value)
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {f.verdicts.map((v) => (
                        <Badge
                          key={v.validator}
                          color={v.passed ? 'green' : 'red'}
                          variant="light"
                          title={v.message ?? undefined}
                        >
                          {v.validator}
                        </Badge>
                      ))}
                    </Group>
                    {f.verdicts
                      .filter((v) => !v.passed && v.message)
                      .map((v) => (
                        <Text key={v.validator} size="xs" c="red">
                          {v.message}
                        </Text>
                      ))}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </Stack>
  );
}
