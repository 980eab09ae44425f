import { Alert, Button, Group, NumberInput, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { ApiError, describe, type Configuration } from '../../api/client';
import { useUpdateConfiguration } from '../../api/queries';

type Optional = number | string;
const toNumber = (v: Optional): number | null => (v === '' || v === null ? null : Number(v));

/** The token policy and how long the provisioning log is kept. */
export function PolicyTab({ configuration }: { configuration: Configuration }) {
  const update = useUpdateConfiguration();
  const p = configuration.tokenPolicy;
  const [lifetime, setLifetime] = useState<Optional>(p.maxLifetimeDays ?? '');
  const [rotation, setRotation] = useState<Optional>(p.rotationDays ?? '');
  const [maxActive, setMaxActive] = useState<Optional>(p.maxActive ?? '');
  const [grace, setGrace] = useState<Optional>(p.rotationGraceHours ?? '');
  const [age, setAge] = useState<Optional>(configuration.logRetention.maxAgeDays);
  const [records, setRecords] = useState<Optional>(configuration.logRetention.maxRecords);
  useEffect(() => {
    setLifetime(p.maxLifetimeDays ?? '');
    setRotation(p.rotationDays ?? '');
    setMaxActive(p.maxActive ?? '');
    setGrace(p.rotationGraceHours ?? '');
    setAge(configuration.logRetention.maxAgeDays);
    setRecords(configuration.logRetention.maxRecords);
  }, [configuration, p]);
  const field = update.error instanceof ApiError ? update.error.field : undefined;
  const errorFor = (name: string) => (field?.endsWith(name) ? describe(update.error) : undefined);

  const save = () =>
    update.mutate(
      {
        id: configuration.id,
        changes: {
          tokenPolicy: {
            maxLifetimeDays: toNumber(lifetime),
            rotationDays: toNumber(rotation),
            maxActive: toNumber(maxActive),
            rotationGraceHours: toNumber(grace),
          },
          logRetention: { maxAgeDays: Number(age), maxRecords: Number(records) },
        },
      },
      { onSuccess: () => notifications.show({ message: 'Policy saved', color: 'green' }) },
    );

  return (
    <Stack maw={760}>
      <Paper withBorder p="md">
        <Title order={2} size="h3">
          Token policy
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Leave a box empty for no limit. Tokens overdue for rotation show up in the Tokens tab and in `scim-console
          token check`.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NumberInput
            label="Longest lifetime (days)"
            min={1}
            max={36500}
            value={lifetime}
            onChange={setLifetime}
            error={errorFor('maxLifetimeDays')}
          />
          <NumberInput
            label="Rotate every (days)"
            min={1}
            max={36500}
            value={rotation}
            onChange={setRotation}
            error={errorFor('rotationDays')}
          />
          <NumberInput
            label="Most active tokens"
            min={1}
            max={100}
            value={maxActive}
            onChange={setMaxActive}
            error={errorFor('maxActive')}
          />
          <NumberInput
            label="Grace window of a rotation (hours)"
            description="How long a rotated token keeps working while the identity provider gets the new one."
            min={0}
            max={2160}
            value={grace}
            onChange={setGrace}
            error={errorFor('rotationGraceHours')}
          />
        </SimpleGrid>
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h3">
          Log retention
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Records older than this, or beyond this many, are removed every few minutes.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NumberInput
            label="Keep for (days)"
            min={1}
            max={3650}
            value={age}
            onChange={setAge}
            error={errorFor('maxAgeDays')}
          />
          <NumberInput
            label="Keep at most (records)"
            min={1000}
            max={100000000}
            step={1000}
            thousandSeparator=","
            value={records}
            onChange={setRecords}
            error={errorFor('maxRecords')}
          />
        </SimpleGrid>
      </Paper>
      {update.isError && !field && (
        <Alert color="red" role="alert">
          {describe(update.error)}
        </Alert>
      )}
      <Group>
        <Button onClick={save} loading={update.isPending}>
          Save policy
        </Button>
      </Group>
    </Stack>
  );
}
