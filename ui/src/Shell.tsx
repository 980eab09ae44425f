import {
  ActionIcon,
  AppShell,
  Burger,
  Group,
  NavLink,
  Text,
  Tooltip,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconActivity,
  IconChartLine,
  IconChecklist,
  IconList,
  IconLogout,
  IconMoon,
  IconPlugConnected,
  IconRocket,
  IconServer,
  IconSettings,
  IconSun,
} from '@tabler/icons-react';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, Route, Routes, useLocation } from 'react-router';
import { api, onSessionChange } from './api/client';
import { useAlertNotifications } from './pages/alerts/useAlertNotifications';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Loading } from './components/States';
import { ConfigurationsPage } from './pages/ConfigurationsPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { LinkSignInPage, SignInPage } from './pages/SignInPage';

// The first page (the configurations) loads with the shell; the others when first opened.
const ConfigurationPage = lazy(() =>
  import('./pages/configuration/ConfigurationPage').then((m) => ({ default: m.ConfigurationPage })),
);
const LogsPage = lazy(() => import('./pages/logs/LogsPage').then((m) => ({ default: m.LogsPage })));
const MonitoringPage = lazy(() => import('./pages/MonitoringPage').then((m) => ({ default: m.MonitoringPage })));
const AuditPage = lazy(() => import('./pages/AuditPage').then((m) => ({ default: m.AuditPage })));
const TargetsPage = lazy(() => import('./pages/targets/TargetsPage').then((m) => ({ default: m.TargetsPage })));
const PilotPage = lazy(() => import('./pages/pilot/PilotPage').then((m) => ({ default: m.PilotPage })));
const ConformancePage = lazy(() =>
  import('./pages/conformance/ConformancePage').then((m) => ({ default: m.ConformancePage })),
);
const SettingsPage = lazy(() => import('./pages/SettingsPage').then((m) => ({ default: m.SettingsPage })));

const sections = [
  {
    to: '/',
    label: 'Configurations',
    icon: IconPlugConnected,
    match: (p: string) => p === '/' || p.startsWith('/configurations'),
  },
  { to: '/logs', label: 'Provisioning logs', icon: IconList, match: (p: string) => p.startsWith('/logs') },
  { to: '/monitoring', label: 'Monitoring', icon: IconChartLine, match: (p: string) => p.startsWith('/monitoring') },
  { to: '/targets', label: 'Targets', icon: IconServer, match: (p: string) => p.startsWith('/targets') },
  { to: '/pilot', label: 'Pilot runs', icon: IconRocket, match: (p: string) => p.startsWith('/pilot') },
  {
    to: '/conformance',
    label: 'Conformance',
    icon: IconChecklist,
    match: (p: string) => p.startsWith('/conformance'),
  },
  { to: '/audit', label: 'Audit log', icon: IconActivity, match: (p: string) => p.startsWith('/audit') },
  { to: '/settings', label: 'Settings', icon: IconSettings, match: (p: string) => p.startsWith('/settings') },
];

function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <Tooltip label={`Switch to the ${next} theme`}>
      <ActionIcon
        variant="default"
        size="lg"
        aria-label={`Switch to the ${next} theme`}
        onClick={() => setColorScheme(next)}
      >
        {computed === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
      </ActionIcon>
    </Tooltip>
  );
}

/** The application frame: navigation, header, and the page of the current address. */
export function Shell() {
  const [opened, { toggle, close }] = useDisclosure();
  const [signedIn, setSignedIn] = useState(true);
  const location = useLocation();
  useEffect(() => onSessionChange(setSignedIn), []);
  useEffect(close, [location.pathname, close]);
  useAlertNotifications(signedIn);

  if (location.pathname === '/sign-in') return <LinkSignInPage />;
  if (!signedIn) return <SignInPage />;

  const signOut = async () => {
    await api.POST('/api/logout');
    setSignedIn(false);
  };

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <img src="/icon.svg" alt="" width={28} height={28} />
            <Text fw={700} size="lg">
              SCIM Console
            </Text>
          </Group>
          <Group gap="xs">
            <ThemeToggle />
            <Tooltip label="Sign out">
              <ActionIcon variant="default" size="lg" aria-label="Sign out" onClick={signOut}>
                <IconLogout size={18} />
              </ActionIcon>
            </Tooltip>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Sections">
        {sections.map((s) => (
          <NavLink
            key={s.to}
            component={Link}
            to={s.to}
            label={s.label}
            leftSection={<s.icon size={18} />}
            active={s.match(location.pathname)}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <ErrorBoundary resetKey={location.pathname}>
          <Suspense fallback={<Loading label="Loading the page" />}>
            <Routes>
              <Route path="/" element={<ConfigurationsPage />} />
              <Route path="/configurations/:id" element={<ConfigurationPage />} />
              <Route path="/configurations/:id/:tab" element={<ConfigurationPage />} />
              <Route path="/logs" element={<LogsPage />} />
              <Route path="/monitoring" element={<MonitoringPage />} />
              <Route path="/targets" element={<TargetsPage />} />
              <Route path="/pilot" element={<PilotPage />} />
              <Route path="/conformance" element={<ConformancePage />} />
              <Route path="/audit" element={<AuditPage />} />
              <Route path="/settings" element={<SettingsPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </Suspense>
        </ErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
