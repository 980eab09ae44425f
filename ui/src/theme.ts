import { Anchor, createTheme, Drawer, Modal, Notification, type CSSVariablesResolver } from '@mantine/core';

/** One theme for light and dark: blue primary, readable contrast, visible focus rings. */
export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 8, dark: 5 },
  focusRing: 'auto',
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  components: {
    // Links are underlined: told apart from the text around them by more than colour.
    Anchor: Anchor.extend({ defaultProps: { underline: 'always' } }),
    // A dialog's title bar is a <header> inside role="dialog", which no longer scopes it: without
    // a role it would be a second page banner (axe: landmark-no-duplicate-banner).
    Drawer: Drawer.extend({ defaultProps: { attributes: { header: { role: 'none' } } } }),
    Modal: Modal.extend({ defaultProps: { attributes: { header: { role: 'none' } } } }),
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss notification' } },
      // Mantine's description under a title is gray 6 (3.3:1 on white): use the readable dimmed colour.
      styles: { description: { color: 'var(--mantine-color-dimmed)' } },
    }),
  },
  fontFamilyMonospace: 'ui-monospace, "JetBrains Mono", "SFMono-Regular", Menlo, Consolas, monospace',
});

/** Secondary text dark enough for WCAG AA contrast (4.5:1) on both themes' backgrounds. */
export const cssVariables: CSSVariablesResolver = (t) => {
  // Coloured text on light backgrounds (light and outline badges, alerts, coloured text):
  // Mantine's shades 6-9 of green, yellow and orange fall below 4.5:1 there, so each colour's
  // text shade is darkened towards black.
  const light: Record<string, string> = { '--mantine-color-dimmed': t.colors.gray[7] };
  const dark: Record<string, string> = { '--mantine-color-dimmed': t.colors.dark[1] };
  for (const name of Object.keys(t.colors)) {
    const deep = `color-mix(in srgb, var(--mantine-color-${name}-9) 62%, black)`;
    light[`--mantine-color-${name}-light-color`] = deep;
    light[`--mantine-color-${name}-outline`] = deep;
    light[`--mantine-color-${name}-text`] = deep;
    // White text on filled backgrounds (badges, buttons) needs the same depth in both themes.
    for (const scheme of [light, dark]) {
      scheme[`--mantine-color-${name}-filled`] = `color-mix(in srgb, var(--mantine-color-${name}-9) 80%, black)`;
      scheme[`--mantine-color-${name}-filled-hover`] = `color-mix(in srgb, var(--mantine-color-${name}-9) 65%, black)`;
    }
  }
  return { variables: {}, light, dark };
};
