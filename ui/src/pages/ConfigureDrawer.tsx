import {
  Alert,
  Button,
  Drawer,
  Group,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, api, describe, unwrap, type Configuration, type IssuedToken, type Schemas } from '../api/client';
import { useCreateConfiguration, useUpdateConfiguration } from '../api/queries';
import { CopyField } from '../components/CopyField';
import { EndpointReach } from './EndpointReach';
import { IdpSteps } from './IdpSteps';

const identityProviders = [
  { value: '', label: 'Not decided, or several (accept what any of them sends)' },
  { value: 'entra', label: 'Microsoft Entra ID' },
  { value: 'okta', label: 'Okta' },
  { value: 'oneLogin', label: 'OneLogin' },
  { value: 'google', label: 'Google Workspace' },
];

interface Form {
  name: string;
  description: string;
  provisionUsers: boolean;
  provisionGroups: boolean;
  putSemantics: 'replace' | 'merge';
  protectedAccounts: string[];
  /** For a new configuration: the identity provider, which picks the compatibility switches. */
  identityProvider: string;
  /** For a new configuration: the mapping plan template saved as its first plan ('' for none). */
  planTemplate: string;
}

function formOf(c?: Configuration): Form {
  return {
    name: c?.name ?? '',
    description: c?.description ?? '',
    provisionUsers: c?.provisionUsers ?? true,
    provisionGroups: c?.provisionGroups ?? true,
    putSemantics: (c?.putSemantics as Form['putSemantics']) ?? 'replace',
    protectedAccounts: c?.protectedAccounts ?? [],
    identityProvider: '',
    planTemplate: '',
  };
}

/** What the form can say about itself before asking the server. */
export function formProblems(form: Form): Partial<Record<keyof Form, string>> {
  const problems: Partial<Record<keyof Form, string>> = {};
  if (!form.name.trim()) problems.name = 'Give the configuration a name, e.g. “Entra ID production”.';
  if (!form.provisionUsers && !form.provisionGroups) problems.provisionUsers = 'Provision users, groups or both.';
  return problems;
}

/**
 * The Configure provisioning drawer: creates a configuration (then shows its SCIM base URL and
 * its first token, once, with the identity providers' setup steps) or edits one.
 */
export function ConfigureDrawer({
  opened,
  onClose,
  editing,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  editing?: Configuration;
  onCreated?: (c: Configuration) => void;
}) {
  const [form, setForm] = useState<Form>(formOf(editing));
  const [touched, setTouched] = useState(false);
  const [created, setCreated] = useState<{ configuration: Configuration; token: IssuedToken } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const create = useCreateConfiguration();
  const update = useUpdateConfiguration();
  const [issuing, setIssuing] = useState(false);
  const templates = useQuery({
    queryKey: ['mapping-templates'],
    queryFn: () => unwrap(api.GET('/api/mapping/templates')),
    enabled: opened && !editing,
    staleTime: Infinity,
  });

  useEffect(() => {
    if (opened) {
      setForm(formOf(editing));
      setTouched(false);
      setCreated(null);
      setError(null);
    }
  }, [opened, editing]);

  const problems = formProblems(form);
  const serverField = error instanceof ApiError ? error.field : undefined;
  const fieldError = (field: keyof Form, apiName: string) =>
    (touched && problems[field]) || (serverField === apiName ? describe(error).replace(`${apiName}: `, '') : undefined);
  const busy = create.isPending || update.isPending || issuing;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    setError(null);
    if (Object.keys(problems).length > 0) return;
    const body = {
      name: form.name.trim(),
      description: form.description.trim(),
      provisionUsers: form.provisionUsers,
      provisionGroups: form.provisionGroups,
      putSemantics: form.putSemantics,
      protectedAccounts: form.protectedAccounts,
    };
    try {
      if (editing) {
        await update.mutateAsync({ id: editing.id, changes: body });
        onClose();
        return;
      }
      setIssuing(true);
      const configuration = await create.mutateAsync({
        ...body,
        identityProvider: (form.identityProvider || null) as Schemas['IdentityProvider'] | null,
        planTemplate: (form.planTemplate || null) as Schemas['PlanTemplate'] | null,
      });
      const token: IssuedToken = await unwrap(
        api.POST('/api/configurations/{id}/tokens', {
          params: { path: { id: configuration.id } },
          body: { label: 'created with the configuration' },
        }),
      );
      setCreated({ configuration, token });
      onCreated?.(configuration);
    } catch (err) {
      setError(err);
    } finally {
      setIssuing(false);
    }
  };

  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      position="right"
      size="lg"
      title={editing ? `Edit ${editing.name}` : 'Configure provisioning'}
      closeButtonProps={{ 'aria-label': 'Close' }}
      styles={{ title: { fontSize: 'var(--mantine-h3-font-size)', fontWeight: 700 } }}
    >
      {created ? (
        <Stack>
          <Alert color="green" title={`“${created.configuration.name}” is ready`}>
            Paste these two values into your identity provider. The token is shown only now: copy it before closing this
            drawer (you can always issue another under Tokens).
          </Alert>
          <CopyField label="SCIM base URL" value={created.configuration.scimBaseUrl} testId="new-base-url" />
          <EndpointReach baseUrl={created.configuration.scimBaseUrl} />
          <CopyField label="Bearer token" value={created.token.token} testId="new-token" />
          <Alert color="yellow" icon={<IconAlertTriangle />}>
            Only a hash of the token is kept. Closing this drawer hides it for good.
          </Alert>
          <Title order={3} size="h4">
            Set up your identity provider
          </Title>
          <IdpSteps />
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput
              label="Name"
              description="Unique; shown in lists and logs."
              required
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
              error={fieldError('name', 'name')}
              data-autofocus
            />
            <Textarea
              label="Description"
              description="Optional: which IdP tenant or app this connection serves."
              value={form.description}
              autosize
              minRows={2}
              onChange={(e) => setForm({ ...form, description: e.currentTarget.value })}
              error={fieldError('description', 'description')}
            />
            {!editing && (
              <Select
                label="Identity provider"
                description="Picks the client profile: what it sends against the RFC stays accepted, the rest is refused. Change it later under Policy (for example to Strict)."
                data={identityProviders}
                value={form.identityProvider}
                onChange={(v) => setForm({ ...form, identityProvider: v ?? '' })}
                allowDeselect={false}
              />
            )}
            {!editing && (
              <Select
                label="Mapping plan"
                description={
                  templates.data?.find((t) => t.name === form.planTemplate)?.description ??
                  'None: the endpoint accepts every SCIM attribute until you save a plan under Mapping.'
                }
                data={[
                  { value: '', label: 'None (accept every SCIM attribute)' },
                  ...(templates.data ?? []).map((t) => ({ value: t.name, label: t.title })),
                ]}
                value={form.planTemplate}
                onChange={(v) => setForm({ ...form, planTemplate: v ?? '' })}
                allowDeselect={false}
              />
            )}
            <div>
              <Text size="sm" fw={500}>
                Provisioning type
              </Text>
              <Group mt={6}>
                <Switch
                  label="Users"
                  checked={form.provisionUsers}
                  onChange={(e) => setForm({ ...form, provisionUsers: e.currentTarget.checked })}
                />
                <Switch
                  label="Groups"
                  checked={form.provisionGroups}
                  onChange={(e) => setForm({ ...form, provisionGroups: e.currentTarget.checked })}
                />
              </Group>
              {touched && problems.provisionUsers && (
                <Text size="xs" c="red" mt={4} role="alert">
                  {problems.provisionUsers}
                </Text>
              )}
            </div>
            <div>
              <Text size="sm" fw={500} id="put-label">
                PUT semantics
              </Text>
              <Text size="xs" c="dimmed" mb={6}>
                Replace clears attributes a PUT omits (RFC 7644); merge keeps them, as some targets expect, and clears
                only what the PUT sends as null or [].
              </Text>
              <SegmentedControl
                aria-labelledby="put-label"
                value={form.putSemantics}
                onChange={(v) => setForm({ ...form, putSemantics: v as Form['putSemantics'] })}
                data={[
                  { value: 'replace', label: 'Replace' },
                  { value: 'merge', label: 'Merge' },
                ]}
              />
            </div>
            <TagsInput
              label="Protected accounts"
              description="userNames excluded from provisioning, e.g. tenant admins: SCIM never creates, changes, deletes or matches them, nor takes them out of a group. Press Enter after each."
              value={form.protectedAccounts}
              onChange={(v) => setForm({ ...form, protectedAccounts: v })}
              error={fieldError('protectedAccounts', 'protectedAccounts')}
              clearable
            />
            {error != null && !serverField && (
              <Alert color="red" role="alert" title="Not saved">
                {describe(error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={busy}>
                {editing ? 'Save' : 'Add'}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Drawer>
  );
}
