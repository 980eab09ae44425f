import { ActionIcon, Code, Group, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useState } from 'react';
import { copyText } from '../native';

/** A value with a copy button; `secret` values are shown in a monospaced block. */
export function CopyField({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await copyText(value);
    setCopied(true);
    window.setTimeout(() => setCopied(false), 1500);
  };
  return (
    <div>
      <Text size="sm" fw={500} mb={4}>
        {label}
      </Text>
      <Group gap="xs" wrap="nowrap">
        <Code block style={{ flex: 1, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid={testId}>
          {value}
        </Code>
        <Tooltip label={copied ? 'Copied' : `Copy ${label.toLowerCase()}`}>
          <ActionIcon
            variant="light"
            size="lg"
            aria-label={`Copy ${label.toLowerCase()}`}
            onClick={copy}
            color={copied ? 'teal' : undefined}
          >
            {copied ? <IconCheck size={18} /> : <IconCopy size={18} />}
          </ActionIcon>
        </Tooltip>
      </Group>
    </div>
  );
}
