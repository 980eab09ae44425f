import {
  Alert,
  Badge,
  Button,
  FileButton,
  Group,
  Menu,
  Modal,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconDownload, IconTemplate, IconUpload } from '@tabler/icons-react';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { ApiError, api, describe, unwrap, type Configuration, type Finding, type Schemas } from '../../api/client';
import { may, useMe } from '../../api/me';
import { keys } from '../../api/queries';
import { ErrorNotice, Loading } from '../../components/States';
import { editedPlanText, parsePlan, planRows, planText, whereIs } from './planText';
import { PlanForm } from './PlanForm';
import { SampleTester } from './SampleTester';
import { PromotionPanel } from './Promotion';
import { Versions } from './Versions';

// The code editor (CodeMirror and the schema support) loads when the JSON view first opens.
const JsonEditor = lazy(() => import('../../components/JsonEditor'));

const providers = [
  ['entra', 'Microsoft Entra ID'],
  ['okta', 'Okta'],
  ['oneLogin', 'OneLogin'],
  ['google', 'Google'],
] as const;

function Findings({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) return null;
  return (
    <Table aria-label="Validation findings" verticalSpacing={4}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Severity</Table.Th>
          <Table.Th>Where</Table.Th>
          <Table.Th>What is wrong</Table.Th>
          <Table.Th>How to fix it</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {findings.map((f, i) => (
          <Table.Tr key={`${f.location}-${i}`}>
            <Table.Td>
              <Badge color={f.severity === 'error' ? 'red' : 'yellow'} variant="light">
                {f.severity}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Text size="sm" fw={600}>
                {whereIs(f.location)}
              </Text>
              <Text ff="monospace" size="xs" c="dimmed">
                {f.location}
              </Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{f.message}</Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm" c="dimmed">
                {f.fix}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Unsaved plan text per configuration: kept across tab switches and page changes in the app. */
const drafts = new Map<string, string>();

/** Whether the editor holds unsaved edits (kept as a draft when its tab is left): leaving the page
 * (reload, close) asks first. */
const unsavedGuard = { dirty: false };
if (typeof window !== 'undefined') {
  window.addEventListener('beforeunload', (e) => {
    if (unsavedGuard.dirty) e.preventDefault();
  });
}

/** The mapping plan editor: rules and fields, live static validation, save, templates, import and export. */
export function MappingTab({ configuration }: { configuration: Configuration }) {
  const id = configuration.id;
  const writable = may(useMe(id).data, 'mapping', 'write');
  const client = useQueryClient();
  const current = useQuery({
    queryKey: keys.mapping(id),
    queryFn: async () => {
      // A configuration without a plan has no version: asked first, so that an empty tab
      // makes no request that fails (a 404 in the browser's console).
      const versions = await unwrap(api.GET('/api/configurations/{id}/mapping/versions', { params: { path: { id } } }));
      if (versions.length === 0) return null;
      try {
        return await unwrap(api.GET('/api/configurations/{id}/mapping', { params: { path: { id } } }));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });
  const [text, setTextState] = useState(() => drafts.get(id) ?? '');
  const setText = (next: string) => {
    drafts.set(id, next);
    setTextState(next);
  };
  const [comment, setComment] = useState('');
  const [loaded, setLoaded] = useState(false);
  const [view, setView] = useState<'form' | 'json'>('form');

  useEffect(() => {
    if (current.data !== undefined && !loaded) {
      // An unsaved draft (from before a tab switch) wins over the saved plan.
      if (!drafts.has(id)) setTextState(current.data ? planText(current.data.plan) : '');
      setLoaded(true);
    }
  }, [current.data, loaded]);

  const parsed = useMemo(() => parsePlan(text), [text]);
  // The plan's JSON Schema: completion and inline errors in the JSON view.
  const planSchema = useQuery({
    queryKey: ['plan-schema'],
    staleTime: Infinity,
    enabled: view === 'json',
    queryFn: () => unwrap(api.GET('/api/mapping/schema')) as Promise<Record<string, unknown>>,
  });
  const [debounced] = useDebouncedValue(text, 350);
  const validation = useQuery({
    queryKey: ['validate', id, debounced],
    enabled: loaded && parsePlan(debounced).plan !== null,
    queryFn: () =>
      unwrap(
        api.POST('/api/configurations/{id}/mapping/validate', {
          params: { path: { id } },
          body: parsePlan(debounced).plan as Record<string, never>,
        }),
      ),
    staleTime: Infinity,
  });
  const settled = debounced === text && !validation.isFetching;
  const errors = validation.data?.findings.filter((f) => f.severity === 'error').length ?? 0;

  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/configurations/{id}/mapping', {
          params: { path: { id } },
          body: { plan: parsed.plan as Record<string, never>, comment: comment.trim() },
        }),
      ),
    onSuccess: (saved) => {
      drafts.delete(id);
      notifications.show({ message: `Saved as version ${saved.saved.version}`, color: 'green' });
      setComment('');
      client.setQueryData(keys.mapping(id), saved.saved);
      return client.invalidateQueries({ queryKey: keys.versions(id) });
    },
  });

  // Before saving: what the plan makes of the users already stored. A plan that refuses some
  // of them asks first.
  const [impact, setImpact] = useState<Schemas['PlanImpact'] | null>(null);
  const check = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/configurations/{id}/mapping/impact', {
          params: { path: { id } },
          body: parsed.plan as Record<string, never>,
        }),
      ),
    onSuccess: (found) => (found.failing > 0 ? setImpact(found) : save.mutate()),
  });

  const loadTemplate = async (provider?: string, template?: string) => {
    try {
      // A whole plan: a target's fields and rules, with the provider's mappings as its
      // provider side (what the sample tester's "IdP user" mode runs a source user through).
      const plan = await unwrap(
        api.GET('/api/mapping/template', {
          params: { query: { ...(provider ? { provider } : {}), ...(template ? { template } : {}) } },
        }),
      );
      setText(planText(plan));
    } catch (e) {
      notifications.show({ title: 'Template not loaded', message: describe(e), color: 'red' });
    }
  };
  const exportPlan = () => {
    const blob = new Blob([text], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${configuration.slug}-mapping.json`;
    a.click();
    URL.revokeObjectURL(a.href);
  };
  const importPlan = async (file: File | null) => {
    if (!file) return;
    setText(await file.text());
    notifications.show({ message: `${file.name} loaded: check the findings, then save.` });
  };

  if (current.isPending) return <Loading label="Loading the mapping plan" />;
  if (current.isError) return <ErrorNotice error={current.error} retry={() => current.refetch()} />;
  const rows = parsed.plan ? planRows(parsed.plan) : null;
  const dirty = loaded && text !== (current.data ? planText(current.data.plan) : '');
  unsavedGuard.dirty = dirty;

  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={2} size="h3">
            Mapping plan
          </Title>
          <Text size="sm" c="dimmed">
            {current.data
              ? `Version ${current.data.version}, saved ${new Date(current.data.created).toLocaleString()} by ${current.data.createdBy}.`
              : 'No plan yet: the endpoint accepts every SCIM attribute. Start from a template.'}
          </Text>
        </div>
        <Group gap="xs">
          <Menu>
            <Menu.Target>
              <Button variant="default" leftSection={<IconTemplate size={16} />}>
                Templates
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>Target</Menu.Label>
              <Menu.Item onClick={() => loadTemplate()}>Default (SCIM core User)</Menu.Item>
              <Menu.Item onClick={() => loadTemplate(undefined, 'xMatters')}>
                xMatters (its supported attributes)
              </Menu.Item>
              <Menu.Divider />
              <Menu.Label>Default target, with an identity provider's mappings</Menu.Label>
              {providers.map(([value, label]) => (
                <Menu.Item key={value} onClick={() => loadTemplate(value)}>
                  {label}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          {writable && (
            <FileButton onChange={importPlan} accept="application/json">
              {(props) => (
                <Button {...props} variant="default" leftSection={<IconUpload size={16} />}>
                  Import
                </Button>
              )}
            </FileButton>
          )}
          <Button
            variant="default"
            leftSection={<IconDownload size={16} />}
            onClick={exportPlan}
            disabled={!text.trim()}
          >
            Export
          </Button>
        </Group>
      </Group>
      <Tabs defaultValue="editor">
        <Tabs.List>
          <Tabs.Tab value="editor">Editor</Tabs.Tab>
          <Tabs.Tab value="tester">Sample tester</Tabs.Tab>
          <Tabs.Tab value="versions">Version history</Tabs.Tab>
          <Tabs.Tab value="promote">Promote</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="editor" pt="md">
          <SimpleGrid cols={view === 'json' ? { base: 1, lg: 2 } : 1}>
            <Stack style={{ minWidth: 0 }}>
              <SegmentedControl
                aria-label="Edit the plan as"
                value={view}
                onChange={(v) => setView(v as 'form' | 'json')}
                data={[
                  { value: 'form', label: 'Form' },
                  { value: 'json', label: 'JSON' },
                ]}
                w={220}
              />
              {view === 'json' ? (
                <Stack gap={4}>
                  <Text size="sm" fw={500}>
                    Plan (JSON)
                  </Text>
                  <Text size="xs" c="dimmed">
                    Fields the target accepts with their validators, and the rules that fill them. Ctrl+Space completes
                    from the plan's schema; errors are underlined where they are.
                  </Text>
                  <Suspense fallback={<Loading label="Loading the editor" />}>
                    <JsonEditor
                      value={text}
                      onChange={setText}
                      schema={planSchema.data}
                      label="Plan (JSON)"
                      testId="plan-editor"
                    />
                  </Suspense>
                  {text.trim() !== '' && parsed.error && (
                    <Text size="sm" c="red" role="alert">
                      {parsed.error}
                    </Text>
                  )}
                </Stack>
              ) : parsed.plan ? (
                <PlanForm
                  plan={parsed.plan}
                  onChange={(plan) => setText(editedPlanText(plan))}
                  findings={settled ? (validation.data?.findings ?? []) : []}
                />
              ) : (
                <Alert color="yellow" title="The form needs a plan it can read">
                  {text.trim()
                    ? `The JSON has an error (${parsed.error}); fix it in the JSON view.`
                    : 'Start from a template (Templates above), or write the plan in the JSON view.'}
                </Alert>
              )}
              {writable && (
                <Group align="flex-end">
                  <TextInput
                    label="Why it changes"
                    placeholder="e.g. phone numbers must be E.164"
                    value={comment}
                    onChange={(e) => setComment(e.currentTarget.value)}
                    style={{ flex: 1 }}
                  />
                  <Button
                    onClick={() => check.mutate()}
                    loading={check.isPending || save.isPending}
                    disabled={!parsed.plan || !dirty || errors > 0}
                  >
                    Save plan
                  </Button>
                </Group>
              )}
              {(save.isError || check.isError) && (
                <Alert color="red" role="alert" title="Not saved">
                  {describe(save.error ?? check.error)}
                </Alert>
              )}
              <Modal
                opened={impact !== null}
                onClose={() => setImpact(null)}
                title="Existing users would fail this plan"
                size="lg"
                closeButtonProps={{ 'aria-label': 'Close' }}
              >
                {impact && (
                  <Stack>
                    <Text size="sm" data-testid="plan-impact">
                      {impact.failing} of {impact.users} existing users would fail this plan. Their identity provider
                      can no longer change them until they are fixed; deactivations and deletions still go through.
                    </Text>
                    <Table aria-label="Users that would fail" verticalSpacing={4}>
                      <Table.Tbody>
                        {impact.examples.map((e) => (
                          <Table.Tr key={e.userName}>
                            <Table.Td>
                              <Text ff="monospace" size="sm">
                                {e.userName}
                              </Text>
                            </Table.Td>
                            <Table.Td>
                              <Text size="sm">{e.problems.join('; ')}</Text>
                            </Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                    <Group justify="flex-end">
                      <Button variant="default" onClick={() => setImpact(null)}>
                        Keep editing
                      </Button>
                      <Button
                        color="orange"
                        loading={save.isPending}
                        onClick={() => save.mutate(undefined, { onSettled: () => setImpact(null) })}
                      >
                        Save anyway
                      </Button>
                    </Group>
                  </Stack>
                )}
              </Modal>
            </Stack>
            <Stack style={{ minWidth: 0, order: view === 'form' ? -1 : 0 }}>
              <Paper withBorder p="sm" aria-live="polite">
                <Group justify="space-between" mb="xs">
                  <Text fw={600}>Static validation</Text>
                  {text.trim() === '' ? (
                    <Badge color="gray" data-testid="validation-status">
                      Nothing to check yet
                    </Badge>
                  ) : parsed.error ? (
                    <Badge color="red" data-testid="validation-status">
                      Not JSON
                    </Badge>
                  ) : !settled || validation.isPending ? (
                    <Badge color="gray" data-testid="validation-status">
                      Checking…
                    </Badge>
                  ) : validation.isError ? (
                    <Badge color="red" data-testid="validation-status">
                      Could not check
                    </Badge>
                  ) : validation.data.valid ? (
                    <Badge color="green" data-testid="validation-status">
                      Valid
                    </Badge>
                  ) : (
                    <Badge color="red" data-testid="validation-status">
                      {errors} error{errors === 1 ? '' : 's'}
                    </Badge>
                  )}
                </Group>
                {validation.isError && <Text size="sm">{describe(validation.error)}</Text>}
                {validation.data && settled && <Findings findings={validation.data.findings} />}
                {validation.data?.findings.length === 0 && settled && (
                  <Text size="sm" c="dimmed">
                    No finding: the plan can be saved.
                  </Text>
                )}
              </Paper>
              {rows && view === 'json' && (
                <Paper withBorder p="sm">
                  <Text fw={600} mb="xs">
                    Rules
                  </Text>
                  <div role="region" aria-label="Rules" tabIndex={0} style={{ maxHeight: 420, overflow: 'auto' }}>
                    <Table aria-label="Mapping rules" verticalSpacing={4} striped style={{ wordBreak: 'break-word' }}>
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th>Target field</Table.Th>
                          <Table.Th>Source</Table.Th>
                          <Table.Th>Transforms</Table.Th>
                          <Table.Th>Default</Table.Th>
                          <Table.Th>Applies</Table.Th>
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {rows.rules.map((r, i) => (
                          <Table.Tr key={`${r.target}-${i}`}>
                            <Table.Td ff="monospace">{r.target}</Table.Td>
                            <Table.Td ff="monospace">{r.source}</Table.Td>
                            <Table.Td>{r.transforms || '—'}</Table.Td>
                            <Table.Td>{r.default || '—'}</Table.Td>
                            <Table.Td>{r.apply}</Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </div>
                  <Text fw={600} my="xs">
                    Fields and validators
                  </Text>
                  <div role="region" aria-label="Fields" tabIndex={0} style={{ maxHeight: 420, overflow: 'auto' }}>
                    <Table aria-label="Target fields" verticalSpacing={4} striped style={{ wordBreak: 'break-word' }}>
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th>Field</Table.Th>
                          <Table.Th>Type</Table.Th>
                          <Table.Th>Validators</Table.Th>
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {rows.fields.map((f, i) => (
                          <Table.Tr key={`${f.name}-${i}`}>
                            <Table.Td ff="monospace">{f.name}</Table.Td>
                            <Table.Td>{f.type}</Table.Td>
                            <Table.Td>{f.validators || '—'}</Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </div>
                </Paper>
              )}
            </Stack>
          </SimpleGrid>
        </Tabs.Panel>
        <Tabs.Panel value="tester" pt="md">
          <SampleTester configuration={configuration} plan={parsed.plan} />
        </Tabs.Panel>
        <Tabs.Panel value="versions" pt="md">
          <Versions configuration={configuration} onRolledBack={(plan) => setText(planText(plan))} />
        </Tabs.Panel>
        <Tabs.Panel value="promote" pt="md">
          <PromotionPanel configuration={configuration} writable={writable} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
