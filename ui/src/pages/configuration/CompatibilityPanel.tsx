import { Alert, Badge, Button, Group, Loader, Paper, Select, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { describe, type Configuration, type Schemas } from '../../api/client';
import { useClientProfiles, useUpdateConfiguration } from '../../api/queries';

type Compatibility = Schemas['Compatibility'];
type ClientProfile = Schemas['ClientProfile'];
type SwitchDoc = Schemas['SwitchDoc'];

/** The choices of the switches that are not on/off. */
const choices: Record<string, { value: string; label: string }[]> = {
  unknownAttributes: [
    { value: 'preserve', label: 'Keep them as sent' },
    { value: 'ignore', label: 'Drop them' },
    { value: 'reject', label: 'Refuse the request (400 invalidSyntax)' },
  ],
  patchAnswer: [
    { value: 'noContentForGroups', label: '204 for groups, 200 with the user for users' },
    { value: 'resource', label: '200 with the resource' },
    { value: 'noContent', label: '204 for both' },
  ],
};

/** How a switch's value reads, for "the profile has …". */
function shown(value: unknown): string {
  if (value === true) return 'on';
  if (value === false) return 'off';
  return String(value);
}

/**
 * A configuration's client profile (Entra ID, Okta, RFC, strict) and its compatibility switches:
 * where the endpoint accepts what identity providers send although RFC 7644 or the 2026
 * interoperability profiles say otherwise. Each switch says what it does, who needs it and the
 * rule it bends; a switch that differs from the profile is marked.
 */
export function CompatibilityPanel({ configuration }: { configuration: Configuration }) {
  const update = useUpdateConfiguration();
  const docs = useClientProfiles();
  const [profile, setProfile] = useState<ClientProfile>(configuration.clientProfile);
  const [value, setValue] = useState<Compatibility>(configuration.compatibility);
  useEffect(() => setProfile(configuration.clientProfile), [configuration.clientProfile]);
  useEffect(() => setValue(configuration.compatibility), [configuration.compatibility]);
  if (docs.isPending) return <Loader size="sm" />;
  if (docs.isError) {
    return (
      <Alert color="red" role="alert">
        {describe(docs.error)}
      </Alert>
    );
  }
  const profiles = docs.data.profiles;
  const current = profiles.find((p) => p.name === profile);
  const defaults = (current?.compatibility ?? value) as Record<string, unknown>;
  const values = value as Record<string, unknown>;
  const overridden = docs.data.switches.filter((s) => values[s.name] !== defaults[s.name]).map((s) => s.name);
  const conformant = profile === 'strict' && overridden.every((name) => name === 'patchAnswer');
  const changed =
    profile !== configuration.clientProfile || JSON.stringify(value) !== JSON.stringify(configuration.compatibility);
  const pick = (name: string | null) => {
    const next = profiles.find((p) => p.name === name);
    if (!next) return;
    setProfile(next.name);
    setValue(next.compatibility);
  };
  const set = (name: string, v: unknown) => setValue({ ...value, [name]: v } as Compatibility);
  const save = () =>
    update.mutate(
      { id: configuration.id, changes: { clientProfile: profile, compatibility: value } },
      { onSuccess: () => notifications.show({ message: 'Client profile saved', color: 'green' }) },
    );
  const note = (s: SwitchDoc) => (
    <>
      {s.description}
      <br />
      Needed by: {s.neededBy}
      <br />
      Rule: {s.rule}
    </>
  );
  return (
    <Paper withBorder p="md">
      <Stack>
        <div>
          <Title order={2} size="h3">
            Client profile and compatibility
          </Title>
          <Text size="sm" c="dimmed">
            What the endpoint accepts although RFC 7644 or the 2026 interoperability profiles say otherwise, because
            identity providers send it. Pick the profile of the client that provisions into this configuration; turn a
            switch off only when no client needs it. The provisioning log names the switch that let each request
            through.
          </Text>
        </div>
        <Group align="end">
          <Select
            label="Client profile"
            data={profiles.map((p) => ({ value: p.name, label: p.title }))}
            value={profile}
            onChange={pick}
            allowDeselect={false}
            w={380}
          />
          {conformant ? (
            <Badge color="green" variant="light" size="lg">
              interopProfileConformant: true
            </Badge>
          ) : (
            <Badge color="gray" variant="light" size="lg">
              interopProfileConformant: not claimed
            </Badge>
          )}
        </Group>
        {current && (
          <Text size="sm" data-testid="profile-description">
            {current.description}
          </Text>
        )}
        {profile === 'strict' && !conformant && (
          <Alert color="yellow">
            A switch differs from the strict profile ({overridden.join(', ')}), so the endpoint no longer claims
            interopProfileConformant.
          </Alert>
        )}
        {docs.data.switches.map((s) => {
          const label = (
            <Group gap="xs">
              <span>{s.title}</span>
              <Text span size="xs" c="dimmed" ff="monospace">
                {s.name}
              </Text>
              {overridden.includes(s.name) && (
                <Badge size="xs" color="orange" variant="light">
                  overridden · {profile} has {shown(defaults[s.name])}
                </Badge>
              )}
            </Group>
          );
          const options = choices[s.name];
          if (options) {
            return (
              <Select
                key={s.name}
                label={label}
                aria-label={s.title}
                description={note(s)}
                data={options}
                value={String(values[s.name])}
                onChange={(v) => v && set(s.name, v)}
                allowDeselect={false}
                maw={520}
              />
            );
          }
          return (
            <Switch
              key={s.name}
              label={label}
              aria-label={s.title}
              description={note(s)}
              checked={values[s.name] === true}
              onChange={(e) => set(s.name, e.currentTarget.checked)}
            />
          );
        })}
        {update.isError && (
          <Alert color="red" role="alert">
            {describe(update.error)}
          </Alert>
        )}
        <Group>
          <Button onClick={save} loading={update.isPending} disabled={!changed}>
            Save client profile
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
