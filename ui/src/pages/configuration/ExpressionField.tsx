import { ActionIcon, Code, Group, Menu, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { IconMathFunction, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';

/**
 * A rule's expression with a test box: the expression is tried on a sample value as it is
 * typed (the result, or what is wrong and where), and a menu inserts the language's functions.
 */
export function ExpressionField({
  label,
  value,
  onChange,
  onRemove,
}: {
  /** Names the rule (`rule 3`). */
  label: string;
  value: string;
  onChange: (expression: string) => void;
  onRemove: () => void;
}) {
  const [sample, setSample] = useState('en-US');
  const [expression] = useDebouncedValue(value, 300);
  const [tried] = useDebouncedValue(sample, 300);
  const functions = useQuery({
    queryKey: ['expression-functions'],
    staleTime: Infinity,
    queryFn: () => unwrap(api.GET('/api/mapping/functions')),
  });
  const trial = useQuery({
    queryKey: ['expression-trial', expression, tried],
    enabled: expression.trim() !== '',
    queryFn: () => unwrap(api.POST('/api/mapping/expression', { body: { expression, value: tried } })),
  });
  return (
    <Stack gap={4} mt={4}>
      <TextInput
        size="xs"
        aria-label={`Expression of ${label}`}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        ff="monospace"
        rightSectionWidth={56}
        rightSection={
          <Group gap={0} wrap="nowrap">
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon size="sm" variant="subtle" aria-label={`Insert a function in the expression of ${label}`}>
                  <IconMathFunction size={12} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown mah={320} style={{ overflowY: 'auto' }}>
                {(functions.data ?? []).map((f) => (
                  <Menu.Item key={f.name} onClick={() => onChange(`${value}${f.name}(`)}>
                    <Text size="sm" ff="monospace">
                      {f.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {f.arguments}
                    </Text>
                  </Menu.Item>
                ))}
              </Menu.Dropdown>
            </Menu>
            <Tooltip label="Remove the expression">
              <ActionIcon
                size="sm"
                variant="subtle"
                aria-label={`Remove the expression of ${label}`}
                onClick={onRemove}
              >
                <IconTrash size={12} />
              </ActionIcon>
            </Tooltip>
          </Group>
        }
      />
      <Group gap={4} wrap="nowrap" align="flex-start">
        <TextInput
          size="xs"
          w={120}
          aria-label={`Test value for the expression of ${label}`}
          description="[value] ="
          value={sample}
          onChange={(e) => setSample(e.currentTarget.value)}
        />
        <div style={{ minWidth: 0, flex: 1 }} aria-live="polite" data-testid="expression-result">
          {trial.data?.error ? (
            <>
              <Text size="xs" c="red">
                {trial.data.error}
              </Text>
              {trial.data.pointer && (
                <Code block fz={11}>
                  {trial.data.pointer}
                </Code>
              )}
            </>
          ) : trial.data ? (
            <Text size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
              → {JSON.stringify(trial.data.result)}
            </Text>
          ) : null}
        </div>
      </Group>
    </Stack>
  );
}
