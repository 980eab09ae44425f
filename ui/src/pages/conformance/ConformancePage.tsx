import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  NumberInput,
  Paper,
  Progress,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconDownload, IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { ApiError, api, describe, unwrap, type Schemas } from '../../api/client';
import { may, useMe } from '../../api/me';
import { useConfigurations } from '../../api/queries';
import { DataTable, openingColumn, type DataColumn } from '../../components/DataTable';
import { ErrorNotice } from '../../components/States';
import { formatDateTime } from '../../format';
import { endpointChoices, targetBody, useTargets } from '../targets/TargetsPage';

type Run = Schemas['ConformanceRunView'];
type Result = Schemas['CheckResult'];
type Exchange = Schemas['CheckExchange'];
const runsKey = ['conformance-runs'] as const;

const profiles = [
  { value: '', label: "The configuration's own profile (strict for a remote target)" },
  { value: 'strict', label: 'Strict: the interoperability profile and IPSIE AL2' },
  { value: 'entra', label: 'Microsoft Entra ID' },
  { value: 'okta', label: 'Okta' },
  { value: 'rfc', label: 'RFC 7644 (any client)' },
];

const outcomeColor = { pass: 'green', fail: 'red', skip: 'gray' } as const;

/** The request that starts a run, from the form's values. */
export function conformanceBody(form: {
  target: string;
  profile: string;
  allowWrites: boolean;
  rate: number;
}): Schemas['ConformanceBody'] {
  return {
    target: targetBody(form.target),
    profile: (form.profile || null) as Schemas['ConformanceBody']['profile'],
    allowWrites: form.allowWrites,
    rate: form.rate,
  };
}

/** Counts of a run's results so far. */
export function tally(results: Result[]) {
  const count = (o: Result['outcome']) => results.filter((r) => r.outcome === o).length;
  return {
    pass: count('pass'),
    fail: count('fail'),
    skip: count('skip'),
    failedMusts: results.filter((r) => r.outcome === 'fail' && r.level === 'MUST').length,
    musts: results.filter((r) => r.level === 'MUST').length,
    skippedMusts: results.filter((r) => r.outcome === 'skip' && r.level === 'MUST').length,
  };
}

/** The run's verdict in a phrase, as the CLI and the reports say it: skipped MUSTs make it incomplete. */
export function verdict(t: ReturnType<typeof tally>): { text: string; color: string } {
  if (t.failedMusts > 0) return { text: `${t.failedMusts} MUST failed`, color: 'red' };
  if (t.skippedMusts > 0) {
    return {
      text: `incomplete: ${t.musts - t.skippedMusts} of ${t.musts} MUSTs checked, none failed`,
      color: 'yellow',
    };
  }
  return { text: `every MUST passed (${t.musts} of ${t.musts} checked)`, color: 'green' };
}

async function saveReport(run: Run, format: 'json' | 'junit' | 'html') {
  try {
    const { data, error } = await api.GET('/api/conformance-runs/{run}/report', {
      params: { path: { run: run.id }, query: { format } },
      parseAs: 'blob',
    });
    if (error || !(data instanceof Blob)) throw new Error('the report could not be downloaded');
    const url = URL.createObjectURL(data);
    const a = document.createElement('a');
    a.href = url;
    a.download = `scim-conformance-${run.id}.${format === 'junit' ? 'xml' : format}`;
    a.click();
    URL.revokeObjectURL(url);
  } catch (e) {
    notifications.show({ title: 'No report', message: describe(e), color: 'red' });
  }
}

function ExchangeText({ e }: { e: Exchange }) {
  const lines = [
    `> ${e.method} ${e.path}`,
    ...e.requestHeaders.map((h) => `> ${h.name}: ${h.value}`),
    ...(e.requestBody ? [`> ${e.requestBody}`] : []),
    e.error ? `< no answer: ${e.error}` : `< ${e.status} (${e.millis} ms)`,
    ...e.responseHeaders.map((h) => `< ${h.name}: ${h.value}`),
    ...(e.responseBody ? [`< ${e.responseBody}`] : []),
  ];
  return (
    <Code block fz="xs" style={{ whiteSpace: 'pre-wrap' }}>
      {lines.join('\n')}
    </Code>
  );
}

/** One rule's result: outcome, rule, why, and the requests behind it. */
function ResultRow({ r }: { r: Result }) {
  return (
    <Table.Tr data-testid={`result-${r.id}`}>
      <Table.Td>
        <Badge color={outcomeColor[r.outcome]} variant={r.outcome === 'fail' ? 'filled' : 'light'}>
          {r.outcome}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Text size="sm" fw={r.level === 'MUST' ? 600 : 400}>
          {r.level}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{r.title}</Text>
        <Text size="xs" c="dimmed">
          <Code>{r.id}</Code> · {r.source}
          {r.writes ? ' · writes' : ''}
        </Text>
        {r.why && (
          <Text size="sm" c={r.outcome === 'fail' ? 'red' : 'dimmed'}>
            {r.why}
          </Text>
        )}
        {r.exchanges.length > 0 && (
          <details>
            <summary>
              <Text span size="xs">
                {r.exchanges.length} request{r.exchanges.length === 1 ? '' : 's'}
              </Text>
            </summary>
            <Stack gap={4}>
              {r.exchanges.map((e, i) => (
                <ExchangeText key={i} e={e} />
              ))}
            </Stack>
          </details>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

/** A run: live progress and results while it lasts, then the report to export. */
function RunPanel({ id }: { id: string }) {
  const client = useQueryClient();
  const run = useQuery({
    queryKey: [...runsKey, id],
    queryFn: () => unwrap(api.GET('/api/conformance-runs/{run}', { params: { path: { run: id } } })),
    refetchInterval: (q) => (q.state.data && q.state.data.state !== 'running' ? false : 500),
  });
  const done = run.data !== undefined && run.data.state !== 'running';
  useEffect(() => {
    if (done) void client.invalidateQueries({ queryKey: runsKey, exact: true });
  }, [done, client]);
  if (run.isError) return <ErrorNotice error={run.error} />;
  if (!run.data) return null;
  const r = run.data;
  const t = tally(r.results);
  return (
    <Paper withBorder p="md">
      <Stack>
        <Group justify="space-between">
          <div>
            <Title order={2} size="h3">
              {r.target} · {r.profile} profile
            </Title>
            <Text size="sm" c="dimmed">
              {r.allowWrites ? 'Writes allowed' : 'Read-only'} · started {formatDateTime(r.started)}
            </Text>
          </div>
          {r.state === 'finished' && (
            <Group gap="xs">
              <Badge color={verdict(t).color} size="lg" data-testid="conformance-verdict">
                {verdict(t).text}
              </Badge>
              {(['json', 'junit', 'html'] as const).map((f) => (
                <Button
                  key={f}
                  size="xs"
                  variant="default"
                  leftSection={<IconDownload size={14} />}
                  onClick={() => void saveReport(r, f)}
                >
                  {f === 'junit' ? 'JUnit XML' : f.toUpperCase()}
                </Button>
              ))}
            </Group>
          )}
        </Group>
        {r.state === 'failed' && (
          <Alert color="red" title="The run could not check the endpoint">
            {r.error}
          </Alert>
        )}
        <div>
          <Progress
            value={r.total > 0 ? (100 * r.done) / r.total : 0}
            animated={r.state === 'running'}
            aria-label="Rules checked"
          />
          <Text size="sm" mt={4} data-testid="conformance-progress">
            {r.done} of {r.total} rules · {t.pass} passed · {t.fail} failed · {t.skip} skipped
            {r.state === 'running' && r.current ? ` · checking: ${r.current}` : ''}
          </Text>
        </div>
        {r.report && r.report.leftBehind.length > 0 && (
          <Alert color="yellow" title="Left behind">
            The run could not delete what it created: {r.report.leftBehind.join('; ')}
          </Alert>
        )}
        {r.results.length > 0 && (
          <Table.ScrollContainer minWidth={700}>
            <Table aria-label="Conformance results" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={80}>Result</Table.Th>
                  <Table.Th w={80}>Level</Table.Th>
                  <Table.Th>Rule</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.results.map((x) => (
                  <ResultRow key={x.id} r={x} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Paper>
  );
}

/** The recent runs: the start opens a run (as clicking its row does). */
function runColumns(open: (id: string) => void): DataColumn<Run>[] {
  return [
    openingColumn<Run>({
      id: 'started',
      header: 'Started',
      value: (r) => r.started,
      label: (r) => formatDateTime(r.started),
      open: (r) => open(r.id),
    }),
    { id: 'target', header: 'Endpoint', accessorFn: (r) => r.target },
    { id: 'profile', header: 'Rules of', accessorFn: (r) => r.profile },
    {
      id: 'state',
      header: 'State',
      accessorFn: (r) => r.state,
      cell: ({ row: { original: r } }) => (
        <Badge variant="light" color={r.state === 'failed' ? 'red' : r.state === 'running' ? 'blue' : 'gray'}>
          {r.state}
        </Badge>
      ),
    },
  ];
}

/**
 * Conformance: black-box checks of a SCIM endpoint — a configuration's own or a remote
 * target — against the 2026 profiles, the identity providers' requests and the safety rules.
 */
export function ConformancePage() {
  const client = useQueryClient();
  const writable = may(useMe().data, 'conformance', 'write');
  const configurations = useConfigurations();
  const targets = useTargets();
  const runs = useQuery({ queryKey: runsKey, queryFn: () => unwrap(api.GET('/api/conformance-runs')) });
  const [target, setTarget] = useState<string | null>(null);
  const [profile, setProfile] = useState('');
  const [allowWrites, setAllowWrites] = useState(false);
  const [rate, setRate] = useState<number | string>(10);
  const [selected, setSelected] = useState<string | null>(null);
  const targetChoices = endpointChoices(configurations.data ?? [], targets.data ?? [], 'config');
  const start = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/conformance-runs', {
          body: conformanceBody({ target: target ?? '', profile, allowWrites, rate: Number(rate) }),
        }),
      ),
    onSuccess: (run) => {
      setSelected(run.id);
      return client.invalidateQueries({ queryKey: runsKey });
    },
  });
  const fieldError = (field: string) =>
    start.error instanceof ApiError && start.error.field === field ? start.error.message : undefined;
  const otherError =
    start.isError && !(start.error instanceof ApiError && ['target', 'rate'].includes(start.error.field ?? ''))
      ? start.error
      : null;
  const list = runs.data ?? [];
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Conformance
        </Title>
        <Text c="dimmed">
          Check a SCIM endpoint against the 2026 interoperability profile and IPSIE AL, what Entra ID and Okta send, and
          the safety rules: a leaver never stays active, a member removal never empties a group. Each result shows the
          rule, its source, and the requests and answers behind it.
        </Text>
      </div>
      <Paper withBorder p="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            start.mutate();
          }}
        >
          <Stack>
            <Group grow align="flex-start">
              <Select
                label="Endpoint"
                placeholder="Pick a configuration or a remote target"
                data={targetChoices}
                value={target}
                onChange={setTarget}
                error={fieldError('target')}
                searchable
                required
              />
              <Select
                label="Rules of"
                data={profiles}
                value={profile}
                onChange={(v) => setProfile(v ?? '')}
                allowDeselect={false}
              />
            </Group>
            <Group align="flex-end">
              <Switch
                label="Allow writes"
                description="Create, change and delete test users and groups under a unique prefix; only what the run created is deleted."
                checked={allowWrites}
                onChange={(e) => setAllowWrites(e.currentTarget.checked)}
              />
              <NumberInput
                label="Requests per second"
                min={0.1}
                max={1000}
                value={rate}
                onChange={setRate}
                error={fieldError('rate')}
                w={180}
              />
            </Group>
            {allowWrites && target?.startsWith('remote:') && (
              <Alert color="yellow">
                Writing checks create and delete resources on the remote service. Run them against a test tenant.
              </Alert>
            )}
            {otherError && (
              <Alert color="red" role="alert">
                {describe(otherError)}
              </Alert>
            )}
            <Group justify="flex-end">
              {writable ? (
                <Button
                  type="submit"
                  leftSection={<IconPlayerPlay size={16} />}
                  loading={start.isPending}
                  disabled={target === null}
                >
                  Run the checks
                </Button>
              ) : (
                <Text size="sm" c="dimmed">
                  Your roles may read runs here, not start them.
                </Text>
              )}
            </Group>
          </Stack>
        </form>
      </Paper>
      {selected && <RunPanel key={selected} id={selected} />}
      {list.length > 0 && (
        <Paper withBorder p="md">
          <Title order={2} size="h3" mb="xs">
            Recent runs
          </Title>
          <DataTable
            label="Recent conformance runs"
            data={list}
            columns={runColumns(setSelected)}
            rowKey={(r) => r.id}
            filterPlaceholder="Filter by endpoint, rules or state"
            initialSort={[{ id: 'started', desc: true }]}
            onRowClick={(r) => setSelected(r.id)}
            minWidth={560}
          />
        </Paper>
      )}
    </Stack>
  );
}
