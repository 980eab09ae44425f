import { Alert, Button, Group, Paper, Select, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { describe, type Configuration, type Schemas } from '../../api/client';
import { useUpdateConfiguration } from '../../api/queries';

type Compatibility = Schemas['Compatibility'];
type BooleanSwitch = Exclude<keyof Compatibility, 'unknownAttributes'>;

/** Each switch: what it accepts, and who needs it. */
export const switches: { key: BooleanSwitch; label: string; description: string }[] = [
  {
    key: 'stringBooleans',
    label: 'String booleans',
    description:
      'Accept "True" / "False" strings for true/false attributes. Entra ID disables a user with "active": "False"; refusing it keeps the leaver active.',
  },
  {
    key: 'pathlessPatch',
    label: 'PATCH without a path',
    description:
      'Accept add/replace whose value object names the attributes. Okta deactivates users this way, Entra ID with aadOptscim062020; the 2026 interoperability profile refuses it.',
  },
  {
    key: 'patchWithoutSchemas',
    label: 'PATCH without its schema',
    description: 'Accept a PATCH whose "schemas" does not name the PatchOp message (older clients).',
  },
  {
    key: 'createMissingValues',
    label: 'Create missing values',
    description:
      'A replace of emails[type eq "work"].value adds the work email when there is none (what Entra ID expects) instead of failing with noTarget.',
  },
];

const unknownChoices = [
  { value: 'preserve', label: 'Keep them as sent' },
  { value: 'ignore', label: 'Drop them' },
  { value: 'reject', label: 'Refuse the request (400 invalidSyntax)' },
];

/** Where this configuration's endpoint accepts what identity providers send against the RFC. */
export function CompatibilityPanel({ configuration }: { configuration: Configuration }) {
  const update = useUpdateConfiguration();
  const [value, setValue] = useState<Compatibility>(configuration.compatibility);
  useEffect(() => setValue(configuration.compatibility), [configuration.compatibility]);
  const changed = JSON.stringify(value) !== JSON.stringify(configuration.compatibility);
  const save = () =>
    update.mutate(
      { id: configuration.id, changes: { compatibility: value } },
      { onSuccess: () => notifications.show({ message: 'Compatibility saved', color: 'green' }) },
    );
  return (
    <Paper withBorder p="md">
      <Stack>
        <div>
          <Title order={3}>Compatibility</Title>
          <Text size="sm" c="dimmed">
            What the endpoint accepts although RFC 7644 says otherwise, because identity providers send it. Turn a
            switch off only when no client of this configuration needs it.
          </Text>
        </div>
        {switches.map((s) => (
          <Switch
            key={s.key}
            label={s.label}
            description={s.description}
            checked={value[s.key]}
            onChange={(e) => setValue({ ...value, [s.key]: e.currentTarget.checked })}
          />
        ))}
        <Select
          label="Unknown attributes and schema URIs"
          description="Attributes the resource type does not define, e.g. Entra's roles: [] or Microsoft's own Group schema."
          data={unknownChoices}
          value={value.unknownAttributes}
          onChange={(v) => v && setValue({ ...value, unknownAttributes: v as Compatibility['unknownAttributes'] })}
          allowDeselect={false}
          maw={420}
        />
        {update.isError && (
          <Alert color="red" role="alert">
            {describe(update.error)}
          </Alert>
        )}
        <Group>
          <Button onClick={save} loading={update.isPending} disabled={!changed}>
            Save compatibility
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
