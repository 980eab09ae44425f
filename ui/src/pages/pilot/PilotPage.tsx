import {
  Alert,
  Anchor,
  Badge,
  Button,
  FileButton,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconDownload, IconPlayerPlay, IconPlayerStop, IconRefresh, IconUpload } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, describe, unwrap, type Schemas } from '../../api/client';
import { may, useMe } from '../../api/me';
import { useConfigurations } from '../../api/queries';
import { ErrorNotice } from '../../components/States';
import { formatDateTime } from '../../format';
import { endpointChoices, targetBody, useTargets } from '../targets/TargetsPage';
import { DataTable, openingColumn, type DataColumn } from '../../components/DataTable';
import { PilotReport, RunProgress, type PilotRun } from './PilotReport';

type SourceKind = 'csv' | 'json' | 'configuration';
const runsKey = ['pilot-runs'] as const;

const providers = [
  { value: '', label: "The plan's provider (else Entra ID)" },
  { value: 'entra', label: 'Microsoft Entra ID' },
  { value: 'okta', label: 'Okta' },
  { value: 'oneLogin', label: 'OneLogin' },
  { value: 'google', label: 'Google Workspace' },
];

/** The request that starts a run, from the form's values. */
export function pilotBody(form: {
  configurationId: string;
  behaveAs: string;
  sourceKind: SourceKind;
  content: string;
  sourceConfiguration: string;
  target: string;
  dryRun: boolean;
  concurrency: number;
  rate: number;
}): Schemas['PilotBody'] {
  const source: Schemas['PilotSourceBody'] =
    form.sourceKind === 'configuration'
      ? { kind: 'configuration', configurationId: form.sourceConfiguration }
      : { kind: form.sourceKind, content: form.content };
  const target = targetBody(form.target);
  return {
    configurationId: form.configurationId,
    behaveAs: form.behaveAs || null,
    source,
    target,
    dryRun: form.dryRun,
    concurrency: form.concurrency,
    rate: form.rate,
  };
}

function download(run: PilotRun) {
  const blob = new Blob([JSON.stringify(run.report, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `pilot-run-${run.id}.json`;
  a.click();
  URL.revokeObjectURL(url);
}

/** One run: live progress while it lasts, then its report, whose failed users can be run again. */
function RunPanel({ id, onRetried }: { id: string; onRetried: (id: string) => void }) {
  const client = useQueryClient();
  const [chosen, setChosen] = useState<number[]>([]);
  const retry = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/pilot-runs/{run}/retry', {
          params: { path: { run: id } },
          body: { rows: chosen.length > 0 ? chosen : null },
        }),
      ),
    onSuccess: async (started) => {
      await client.invalidateQueries({ queryKey: runsKey });
      onRetried(started.id);
    },
  });
  const run = useQuery({
    queryKey: [...runsKey, id],
    queryFn: () => unwrap(api.GET('/api/pilot-runs/{run}', { params: { path: { run: id } } })),
    refetchInterval: (q) => (q.state.data?.state === 'finished' ? false : 500),
  });
  const stop = useMutation({
    mutationFn: () => unwrap(api.POST('/api/pilot-runs/{run}/stop', { params: { path: { run: id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: runsKey }),
  });
  const finished = run.data?.state === 'finished';
  // The recent runs list shows each run's state: refresh it when this one ends.
  useEffect(() => {
    if (finished) void client.invalidateQueries({ queryKey: runsKey, exact: true });
  }, [finished, client]);
  if (run.isError) return <ErrorNotice error={run.error} />;
  if (!run.data) return null;
  const r = run.data;
  const report = r.report;
  return (
    <Paper withBorder p="md">
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h3">
            {r.dryRun ? 'Dry run' : 'Run'} into {r.target}
          </Title>
          <Group gap="xs">
            {r.state === 'running' ? (
              <>
                <Badge color="blue" variant="dot">
                  running
                </Badge>
                <Button
                  size="xs"
                  color="red"
                  variant="light"
                  leftSection={<IconPlayerStop size={14} />}
                  loading={stop.isPending}
                  onClick={() => stop.mutate()}
                >
                  Stop
                </Button>
              </>
            ) : (
              <>
                <Badge color={report && report.counts.failed > 0 ? 'red' : 'green'} data-testid="pilot-state">
                  finished{report && report.counts.failed > 0 ? ` · ${report.counts.failed} failed` : ''}
                </Badge>
                {report && report.counts.failed > 0 && (
                  <Button
                    size="xs"
                    color="red"
                    variant="light"
                    leftSection={<IconRefresh size={14} />}
                    loading={retry.isPending}
                    onClick={() => retry.mutate()}
                  >
                    {chosen.length > 0
                      ? `Retry the ${chosen.length} chosen`
                      : `Retry ${report.counts.failed} failed user${report.counts.failed === 1 ? '' : 's'}`}
                  </Button>
                )}
                <Button
                  size="xs"
                  variant="default"
                  leftSection={<IconDownload size={14} />}
                  onClick={() => download(r)}
                >
                  Report (JSON)
                </Button>
              </>
            )}
          </Group>
        </Group>
        <RunProgress run={r} />
        {report?.stopped && (
          <Alert color="yellow" title="The run stopped early">
            {report.stopped}.
          </Alert>
        )}
        {report && (
          <Text size="sm">
            Every request is in the{' '}
            <Anchor
              component={Link}
              to={`/logs?configuration=${r.configurationId}${r.target.startsWith('configuration ') ? '' : '&direction=outbound'}`}
            >
              provisioning log
            </Anchor>
            .
          </Text>
        )}
        {retry.isError && (
          <Alert color="red" role="alert" title="Not retried">
            {describe(retry.error)}
          </Alert>
        )}
        {report && (
          <PilotReport report={report} chosen={report.counts.failed > 0 ? chosen : undefined} onChoose={setChosen} />
        )}
      </Stack>
    </Paper>
  );
}

/**
 * Pilot runs: provision users from a CSV or JSON export, or from a local configuration, into a
 * target — behaving like the chosen identity provider — and see per user what happened.
 */
/** The recent runs: the start opens a run (as clicking its row does). */
function runColumns(open: (id: string) => void): DataColumn<PilotRun>[] {
  return [
    openingColumn<PilotRun>({
      id: 'started',
      header: 'Started',
      value: (r) => r.started,
      label: (r) => formatDateTime(r.started),
      open: (r) => open(r.id),
    }),
    { id: 'target', header: 'Target', accessorFn: (r) => r.target },
    { id: 'kind', header: 'Kind', accessorFn: (r) => (r.dryRun ? 'dry run' : 'run') },
    {
      id: 'users',
      header: 'Users',
      accessorFn: (r) => r.progress.total,
      enableGlobalFilter: false,
      cell: ({ row: { original: r } }) => `${r.progress.done} / ${r.progress.total}`,
    },
    { id: 'state', header: 'State', accessorFn: (r) => r.state },
  ];
}

export function PilotPage() {
  const client = useQueryClient();
  const writable = may(useMe().data, 'pilotRuns', 'write');
  const configurations = useConfigurations();
  const targets = useTargets();
  const runs = useQuery({ queryKey: runsKey, queryFn: () => unwrap(api.GET('/api/pilot-runs')) });
  const [configurationId, setConfigurationId] = useState<string | null>(null);
  const [behaveAs, setBehaveAs] = useState('');
  const [sourceKind, setSourceKind] = useState<SourceKind>('csv');
  const [content, setContent] = useState('');
  const [sourceConfiguration, setSourceConfiguration] = useState<string | null>(null);
  const [target, setTarget] = useState<string | null>(null);
  const [dryRun, setDryRun] = useState(true);
  const [concurrency, setConcurrency] = useState<number | string>(4);
  const [rate, setRate] = useState<number | string>(20);
  const [selected, setSelected] = useState<string | null>(null);
  const configs = (configurations.data ?? []).map((c) => ({ value: c.id, label: c.name }));
  const targetChoices = endpointChoices(configurations.data ?? [], targets.data ?? [], 'remote');
  const start = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/pilot-runs', {
          body: pilotBody({
            configurationId: configurationId ?? '',
            behaveAs,
            sourceKind,
            content,
            sourceConfiguration: sourceConfiguration ?? '',
            target: target ?? '',
            dryRun,
            concurrency: Number(concurrency),
            rate: Number(rate),
          }),
        }),
      ),
    onSuccess: (run) => {
      setSelected(run.id);
      return client.invalidateQueries({ queryKey: runsKey });
    },
  });
  const fieldError = (field: string) =>
    start.error instanceof ApiError && start.error.field === field ? start.error.message : undefined;
  const known = ['source', 'concurrency', 'rate', 'plan', 'target'];
  const otherError =
    start.isError && !(start.error instanceof ApiError && known.includes(start.error.field ?? '')) ? start.error : null;
  const ready =
    configurationId !== null &&
    target !== null &&
    (sourceKind === 'configuration' ? sourceConfiguration !== null : content.trim() !== '');

  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Pilot runs
        </Title>
        <Text c="dimmed">
          Provision a few users the way the identity provider would — its request shapes, its matching query first —
          before going live. Start with a dry run: it only queries the target and says what it would do.
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
                label="Mapping plan of"
                description="Its scoping, validators and matching apply; the run is logged there."
                placeholder="Pick a configuration"
                data={configs}
                value={configurationId}
                onChange={setConfigurationId}
                error={fieldError('plan')}
                required
              />
              <Select
                label="Behave like"
                data={providers}
                value={behaveAs}
                onChange={(v) => setBehaveAs(v ?? '')}
                allowDeselect={false}
              />
            </Group>
            <Stack gap={6}>
              <Text size="sm" fw={500}>
                Users
              </Text>
              <SegmentedControl
                aria-label="Source of users"
                value={sourceKind}
                onChange={(v) => setSourceKind(v as SourceKind)}
                data={[
                  { value: 'csv', label: 'CSV' },
                  { value: 'json', label: 'JSON' },
                  { value: 'configuration', label: 'A configuration' },
                ]}
                style={{ alignSelf: 'flex-start' }}
              />
              {sourceKind === 'configuration' ? (
                <Select
                  aria-label="Configuration whose users to provision"
                  placeholder="Pick a configuration"
                  data={configs}
                  value={sourceConfiguration}
                  onChange={setSourceConfiguration}
                  error={fieldError('source')}
                  maw={400}
                />
              ) : (
                <>
                  <Group>
                    <FileButton
                      accept={sourceKind === 'csv' ? '.csv,text/csv' : '.json,application/json'}
                      onChange={(file) => {
                        if (file) void file.text().then(setContent);
                      }}
                    >
                      {(props) => (
                        <Button {...props} variant="default" leftSection={<IconUpload size={16} />}>
                          Open a {sourceKind.toUpperCase()} file
                        </Button>
                      )}
                    </FileButton>
                    <Text size="xs" c="dimmed">
                      {sourceKind === 'csv'
                        ? 'A header line naming the provider’s attributes (userPrincipalName, mail, … for Entra ID; login, email, … for Okta), one user per line.'
                        : 'An array of provider-attribute objects, or SCIM Users (a ListResponse).'}
                    </Text>
                  </Group>
                  <Textarea
                    aria-label={`${sourceKind.toUpperCase()} users`}
                    placeholder={
                      sourceKind === 'csv'
                        ? 'userPrincipalName,mail,givenName,surname\nada@contoso.com,ada@contoso.com,Ada,Lovelace'
                        : '[{"userPrincipalName": "ada@contoso.com", "mail": "ada@contoso.com"}]'
                    }
                    autosize
                    minRows={4}
                    maxRows={12}
                    ff="monospace"
                    value={content}
                    onChange={(e) => setContent(e.currentTarget.value)}
                    error={fieldError('source')}
                  />
                </>
              )}
            </Stack>
            <Group grow align="flex-start">
              <Select
                label="Target"
                placeholder="Pick a target"
                data={targetChoices}
                value={target}
                onChange={setTarget}
                error={fieldError('target')}
                required
              />
              <NumberInput
                label="Users at once"
                min={1}
                max={32}
                value={concurrency}
                onChange={setConcurrency}
                error={fieldError('concurrency')}
              />
              <NumberInput
                label="Requests per second"
                description="0: no limit"
                min={0}
                value={rate}
                onChange={setRate}
                error={fieldError('rate')}
              />
            </Group>
            <Switch
              label="Dry run: query the target, write nothing"
              checked={dryRun}
              onChange={(e) => setDryRun(e.currentTarget.checked)}
            />
            {otherError && <ErrorNotice error={otherError} title="The run did not start" />}
            <Group>
              {writable ? (
                <Button
                  type="submit"
                  leftSection={<IconPlayerPlay size={16} />}
                  loading={start.isPending}
                  disabled={!ready}
                >
                  {dryRun ? 'Start dry run' : 'Start run'}
                </Button>
              ) : (
                <Text size="sm" c="dimmed">
                  Your roles may read runs here, not start them.
                </Text>
              )}
              {targets.data?.length === 0 && (
                <Text size="sm" c="dimmed">
                  No remote target yet:{' '}
                  <Anchor component={Link} to="/targets">
                    add one
                  </Anchor>
                  , or pick a configuration&apos;s own endpoint.
                </Text>
              )}
            </Group>
          </Stack>
        </form>
      </Paper>
      {selected && <RunPanel key={selected} id={selected} onRetried={setSelected} />}
      {runs.data && runs.data.length > 0 && (
        <Stack gap="xs">
          <Title order={2} size="h3">
            Recent runs
          </Title>
          <DataTable
            label="Recent pilot runs"
            data={runs.data}
            columns={runColumns(setSelected)}
            rowKey={(r) => r.id}
            filterPlaceholder="Filter by target, kind or state"
            initialSort={[{ id: 'started', desc: true }]}
            onRowClick={(r) => setSelected(r.id)}
            minWidth={560}
          />
        </Stack>
      )}
    </Stack>
  );
}
