import { ActionIcon, Box, Group, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { copyText } from '../native';
import './JsonView.css';

/** A body as recorded: JSON text (or a value), parsed when it parses. */
export function parseBody(body: unknown): { value: unknown; json: boolean } {
  if (typeof body !== 'string') return { value: body, json: true };
  try {
    return { value: JSON.parse(body), json: true };
  } catch {
    return { value: body, json: false };
  }
}

function Scalar({ value }: { value: unknown }) {
  const kind = value === null ? 'null' : typeof value;
  return <span className={`json-${kind}`}>{JSON.stringify(value)}</span>;
}

/** One value: objects and arrays fold (open to a depth of 3), others print. */
function Node({ name, value, depth, last }: { name?: string; value: unknown; depth: number; last: boolean }) {
  const key = name !== undefined ? <span className="json-key">{JSON.stringify(name)}: </span> : null;
  const comma = last ? '' : ',';
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-line">
        {key}
        <Scalar value={value} />
        {comma}
      </div>
    );
  }
  const array = Array.isArray(value);
  const entries: [string | undefined, unknown][] = array
    ? (value as unknown[]).map((v) => [undefined, v])
    : Object.entries(value as Record<string, unknown>);
  const [open, close] = array ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0)
    return (
      <div className="json-line">
        {key}
        {open}
        {close}
        {comma}
      </div>
    );
  const summary = array ? `${entries.length} item${entries.length === 1 ? '' : 's'}` : `${entries.length} keys`;
  return (
    <details open={depth < 3} className="json-node">
      <summary>
        {key}
        {open}
        <span className="json-fold"> {summary} </span>
      </summary>
      <div className="json-children">
        {entries.map(([k, v], i) => (
          <Node key={k ?? i} name={k} value={v} depth={depth + 1} last={i === entries.length - 1} />
        ))}
      </div>
      <div className="json-line">
        {close}
        {comma}
      </div>
    </details>
  );
}

/**
 * A JSON body pretty-printed and folding (each object and array a disclosure), wrapped to the
 * width it has, with a button that copies it as indented text. Text that is not JSON is shown
 * as it is.
 */
export function JsonView({ title, body, actions }: { title: string; body: unknown; actions?: ReactNode }) {
  const [copied, setCopied] = useState(false);
  if (body === null || body === undefined) return null;
  const { value, json } = parseBody(body);
  const text = json ? JSON.stringify(value, null, 2) : String(value);
  const copy = async () => {
    await copyText(text);
    setCopied(true);
    window.setTimeout(() => setCopied(false), 1500);
  };
  return (
    <section aria-label={title}>
      <Group justify="space-between" mb={4}>
        <Text fw={600} size="sm" component="h3">
          {title}
        </Text>
        <Group gap={4}>
          {actions}
          <Tooltip label={copied ? 'Copied' : `Copy the ${title.toLowerCase()}`}>
            <ActionIcon
              variant="subtle"
              aria-label={`Copy the ${title.toLowerCase()}`}
              onClick={copy}
              color={copied ? 'teal' : undefined}
            >
              {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            </ActionIcon>
          </Tooltip>
        </Group>
      </Group>
      <Box className="json-view" data-testid={`json-${title.toLowerCase().replace(/\s+/g, '-')}`}>
        {json ? <Node value={value} depth={0} last /> : <pre className="json-text">{text}</pre>}
      </Box>
    </section>
  );
}
