import { Paper, Stack, Text, Title, Typography } from '@mantine/core';
import MarkdownIt from 'markdown-it';
import guide from '../../../docs/deploy.md?raw';

// The guide as the repository has it (docs/deploy.md), built into the UI: the same text a
// desktop without network access and a deployed console show. Raw HTML in it is not rendered.
const markdown = new MarkdownIt({ html: false, linkify: false });
// The page's own title is its only h1: the guide's headings move one level down.
markdown.core.ruler.push('shift_headings', (state) => {
  for (const token of state.tokens) {
    if (token.type === 'heading_open' || token.type === 'heading_close') {
      token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 1)}`;
    }
  }
});
// A link to another document of the repository is not a page here: its text stays, with the
// document named after it.
const defaultLinkOpen = markdown.renderer.rules.link_open;
markdown.renderer.rules.link_open = (tokens, i, options, env, self) => {
  const href = tokens[i].attrGet('href') ?? '';
  if (/^(https?:|#)/.test(href))
    return defaultLinkOpen ? defaultLinkOpen(tokens, i, options, env, self) : self.renderToken(tokens, i, options);
  env.relative = [...(env.relative ?? []), href];
  return '';
};
markdown.renderer.rules.link_close = (tokens, i, options, env, self) => {
  const relative: string[] = env.relative ?? [];
  if (relative.length === 0) return self.renderToken(tokens, i, options);
  const href = relative.pop();
  return ` (docs/${markdown.utils.escapeHtml(String(href))})`;
};
// A code block wider than the page scrolls sideways: keyboard users reach it with Tab.
const rendered = markdown.render(guide, {}).replaceAll('<pre>', '<pre tabindex="0">');

/** "Deploy a console": where a console identity providers can reach runs, and how. */
export function DeployPage() {
  return (
    <Stack maw={900}>
      <div>
        <Title order={1} size="h2">
          Deploy a console
        </Title>
        <Text c="dimmed">
          Identity providers provision from their clouds over HTTPS: the console they call runs on a server they can
          reach. This guide is <code>docs/deploy.md</code> in the source, built into the console.
        </Text>
      </div>
      <Paper withBorder p="lg">
        <Typography>
          <div data-testid="deploy-guide" dangerouslySetInnerHTML={{ __html: rendered }} />
        </Typography>
      </Paper>
    </Stack>
  );
}
