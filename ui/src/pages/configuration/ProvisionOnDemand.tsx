import {
  Alert,
  Badge,
  Button,
  Drawer,
  FileButton,
  Group,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  ThemeIcon,
  Timeline,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IconCheck, IconMinus, IconUpload, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError, api, describe, unwrap, type Configuration, type Schemas } from '../../api/client';
import { useConfigurations } from '../../api/queries';

type Mode = 'json' | 'csv' | 'configuration';
type Result = Schemas['PilotUserResult'];

export const providers = [
  { value: 'entra', label: 'Microsoft Entra ID' },
  { value: 'okta', label: 'Okta' },
  { value: 'oneLogin', label: 'OneLogin' },
  { value: 'google', label: 'Google Workspace' },
];

/** The steps as Entra ID names them. */
export const stepTitles: Record<Schemas['PilotStepKind'], string> = {
  import: 'Import user',
  scope: 'Determine if user is in scope',
  match: 'Match user between source and target',
  action: 'Perform action',
  result: 'Result',
};

const actionColors: Record<string, string> = {
  created: 'green',
  updated: 'green',
  unchanged: 'gray',
  skipped: 'yellow',
  failed: 'red',
  wouldCreate: 'blue',
  wouldUpdate: 'blue',
};

/** The rows of a CSV text a user may pick: line number and first cell (the header is line 1). */
export function csvRows(text: string): { value: string; label: string }[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ line, row: i + 1 }))
    .slice(1)
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, row }) => ({
      value: String(row),
      label: `Row ${row}: ${line.split(',')[0]?.replace(/^"|"$/g, '') ?? ''}`,
    }));
}

function StepIcon({ status }: { status: Schemas['PilotStepStatus'] }) {
  const [color, icon] =
    status === 'done'
      ? ['green', <IconCheck size={14} key="i" />]
      : status === 'skipped'
        ? ['gray', <IconMinus size={14} key="i" />]
        : ['red', <IconX size={14} key="i" />];
  return (
    <ThemeIcon color={color} radius="xl" size={22} role="img" aria-label={status}>
      {icon}
    </ThemeIcon>
  );
}

/** The result, step by step. */
export function Steps({ result }: { result: Result }) {
  return (
    <Stack gap="sm" data-testid="on-demand-result">
      <Group>
        <Text fw={600}>{result.userName ?? 'The user'}</Text>
        <Badge color={actionColors[result.action] ?? 'gray'}>{result.action}</Badge>
      </Group>
      <Timeline bulletSize={24} lineWidth={2} aria-label="Provisioning steps">
        {(result.steps ?? []).map((s, i) => (
          <Timeline.Item key={i} bullet={<StepIcon status={s.status} />} title={stepTitles[s.step]}>
            <Text size="sm" c="dimmed" style={{ wordBreak: 'break-word' }}>
              {s.summary}
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
    </Stack>
  );
}

/**
 * Provision on demand: one user from a JSON payload, a row of an identity provider's CSV
 * export, or another configuration, provisioned now into this configuration as the identity
 * provider would, and shown step by step.
 */
export function ProvisionOnDemand({
  configuration,
  opened,
  onClose,
}: {
  configuration: Configuration;
  opened: boolean;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const configurations = useConfigurations();
  const [provider, setProvider] = useState('entra');
  const [mode, setMode] = useState<Mode>('csv');
  const [json, setJson] = useState('');
  const [csv, setCsv] = useState('');
  const [row, setRow] = useState<string | null>(null);
  const [source, setSource] = useState<string | null>(null);
  const [userName, setUserName] = useState('');
  const [dryRun, setDryRun] = useState(false);
  const rows = csvRows(csv);
  const run = useMutation({
    mutationFn: () => {
      const sourceBody: Schemas['PilotSourceBody'] =
        mode === 'json'
          ? { kind: 'json', content: json }
          : mode === 'csv'
            ? { kind: 'csv', content: csv }
            : { kind: 'configuration', configurationId: source ?? '' };
      return unwrap(
        api.POST('/api/configurations/{id}/provision-on-demand', {
          params: { path: { id: configuration.id } },
          body: {
            behaveAs: provider,
            source: sourceBody,
            row: mode === 'csv' && row ? Number(row) : null,
            userName: mode === 'configuration' ? userName : null,
            dryRun,
          },
        }),
      );
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ['directory', configuration.id] }),
  });
  const field = run.error instanceof ApiError ? run.error.field : undefined;
  const errorAt = (name: string) => (field === name ? describe(run.error) : undefined);

  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      position="right"
      size="lg"
      title="Provision on demand"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <Stack>
        <Text size="sm" c="dimmed">
          One user goes through this configuration&apos;s mapping plan into its endpoint now, the console behaving like
          the identity provider: its mappings, its matching query, then a create or an update of what differs. The
          requests are recorded in the provisioning log.
        </Text>
        <Select
          label="Behave like"
          data={providers}
          value={provider}
          onChange={(v) => setProvider(v ?? 'entra')}
          allowDeselect={false}
        />
        <SegmentedControl
          aria-label="Source"
          value={mode}
          onChange={(v) => setMode(v as Mode)}
          data={[
            { value: 'csv', label: 'CSV export' },
            { value: 'json', label: 'JSON payload' },
            { value: 'configuration', label: 'Another configuration' },
          ]}
        />
        {mode === 'csv' && (
          <>
            <Group align="flex-end">
              <FileButton onChange={async (f) => f && setCsv(await f.text())} accept=".csv,text/csv">
                {(props) => (
                  <Button {...props} variant="default" leftSection={<IconUpload size={16} />}>
                    Load a CSV file
                  </Button>
                )}
              </FileButton>
            </Group>
            <Textarea
              label="CSV export"
              description="A header line naming the provider's attributes (userPrincipalName, mail, … for Entra ID; login, email, … for Okta), one user per line."
              autosize
              minRows={4}
              maxRows={10}
              value={csv}
              onChange={(e) => setCsv(e.currentTarget.value)}
              error={errorAt('source')}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
            <Select
              label="User"
              placeholder={rows.length > 0 ? 'the first row' : 'paste or load the CSV first'}
              data={rows}
              value={row}
              onChange={setRow}
              error={errorAt('row')}
            />
          </>
        )}
        {mode === 'json' && (
          <Textarea
            label="JSON payload"
            description="A SCIM User, or the provider's attributes of a user (an object, or an array of them: the first is taken)."
            autosize
            minRows={6}
            maxRows={14}
            value={json}
            onChange={(e) => setJson(e.currentTarget.value)}
            error={errorAt('source')}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
        )}
        {mode === 'configuration' && (
          <>
            <Select
              label="Configuration"
              data={(configurations.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
              value={source}
              onChange={setSource}
              error={errorAt('source')}
            />
            <TextInput
              label="userName"
              value={userName}
              onChange={(e) => setUserName(e.currentTarget.value)}
              error={errorAt('userName')}
            />
          </>
        )}
        <Switch
          label="Dry run: query only, and say what would be done"
          checked={dryRun}
          onChange={(e) => setDryRun(e.currentTarget.checked)}
        />
        {run.isError && !field && (
          <Alert color="red" role="alert" title="Not provisioned">
            {describe(run.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button onClick={() => run.mutate()} loading={run.isPending}>
            Provision
          </Button>
        </Group>
        {run.data && <Steps result={run.data} />}
      </Stack>
    </Drawer>
  );
}
