import {
  ActionIcon,
  AppShell,
  Burger,
  Button,
  Group,
  Menu,
  NavLink,
  Text,
  Tooltip,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconActivity,
  IconBell,
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
  IconUserCircle,
  IconUsers,
  IconWorld,
} from '@tabler/icons-react';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, Route, Routes, useLocation } from 'react-router';
import { api, onSessionChange } from './api/client';
import './Shell.css';
import { may, rolesText, useMe, type Area, type Me } from './api/me';
import { isDesktop } from './native';
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
const AlertsPage = lazy(() => import('./pages/alerts/AlertsPage').then((m) => ({ default: m.AlertsPage })));
const ConnectionsPage = lazy(() =>
  import('./pages/connections/ConnectionsPage').then((m) => ({ default: m.ConnectionsPage })),
);
const DeployPage = lazy(() => import('./pages/DeployPage').then((m) => ({ default: m.DeployPage })));
const SettingsPage = lazy(() => import('./pages/SettingsPage').then((m) => ({ default: m.SettingsPage })));
const AccountPage = lazy(() => import('./pages/account/AccountPage').then((m) => ({ default: m.AccountPage })));
const AdministratorsPage = lazy(() =>
  import('./pages/administrators/AdministratorsPage').then((m) => ({ default: m.AdministratorsPage })),
);

/** The sections, each shown to those whose roles may read its area. */
const sections: { to: string; label: string; icon: typeof IconList; area: Area; match: (p: string) => boolean }[] = [
  {
    to: '/',
    label: 'Configurations',
    icon: IconPlugConnected,
    area: 'configurations',
    match: (p: string) => p === '/' || p.startsWith('/configurations'),
  },
  {
    to: '/logs',
    label: 'Provisioning logs',
    icon: IconList,
    area: 'logs',
    match: (p: string) => p.startsWith('/logs'),
  },
  {
    to: '/monitoring',
    label: 'Monitoring',
    icon: IconChartLine,
    area: 'logs',
    match: (p: string) => p.startsWith('/monitoring'),
  },
  {
    to: '/alerts',
    label: 'Alerts',
    icon: IconBell,
    area: 'alerts',
    match: (p: string) => p.startsWith('/alerts'),
  },
  {
    to: '/targets',
    label: 'Targets',
    icon: IconServer,
    area: 'targets',
    match: (p: string) => p.startsWith('/targets'),
  },
  {
    to: '/pilot',
    label: 'Pilot runs',
    icon: IconRocket,
    area: 'pilotRuns',
    match: (p: string) => p.startsWith('/pilot'),
  },
  {
    to: '/conformance',
    label: 'Conformance',
    icon: IconChecklist,
    area: 'conformance',
    match: (p: string) => p.startsWith('/conformance'),
  },
  { to: '/audit', label: 'Audit log', icon: IconActivity, area: 'audit', match: (p: string) => p.startsWith('/audit') },
  {
    to: '/administrators',
    label: 'Administrators',
    icon: IconUsers,
    area: 'administrators',
    match: (p: string) => p.startsWith('/administrators'),
  },
  {
    to: '/settings',
    label: 'Settings',
    icon: IconSettings,
    area: 'settings',
    match: (p: string) => p.startsWith('/settings'),
  },
];

/** Who am I: the signed-in administrator (or the admin token), its roles, its account, sign out. */
function WhoAmI({ me, signOut }: { me: Me | undefined; signOut: () => void }) {
  const who = me?.administrator;
  const label = who ? who.name : 'Admin token';
  return (
    <Menu position="bottom-end" width={280}>
      <Menu.Target>
        <Button variant="default" leftSection={<IconUserCircle size={18} />} aria-label={`Signed in as ${label}`}>
          {label}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          {who ? (
            <>
              <Text size="sm" fw={600}>
                {who.email}
              </Text>
              <Text size="xs">Roles: {rolesText(me.grants)}</Text>
            </>
          ) : (
            <Text size="xs">The server&apos;s admin token: every right, no account.</Text>
          )}
        </Menu.Label>
        <Menu.Item component={Link} to="/account" leftSection={<IconUserCircle size={16} />}>
          My account
        </Menu.Item>
        <Menu.Item leftSection={<IconLogout size={16} />} onClick={signOut}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

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
  const me = useMe();

  if (location.pathname === '/sign-in') return <LinkSignInPage />;
  if (!signedIn) return <SignInPage />;

  const signOut = async () => {
    await api.POST('/api/logout');
    setSignedIn(false);
  };

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: 'md', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <a href="#main" className="skip-link">
              Skip to the page
            </a>
            <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label="Toggle navigation" />
            <img src="/icon.svg" alt="" width={28} height={28} />
            <Text fw={700} size="lg">
              SCIM Console
            </Text>
          </Group>
          <Group gap="xs">
            <ThemeToggle />
            <WhoAmI me={me.data} signOut={signOut} />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Sections">
        {sections
          .filter((s) => may(me.data, s.area))
          .map((s) => (
            <NavLink
              key={s.to}
              component={Link}
              to={s.to}
              label={s.label}
              leftSection={<s.icon size={18} />}
              active={s.match(location.pathname)}
            />
          ))}
        {isDesktop() && (
          <NavLink
            component={Link}
            to="/connections"
            label="Connections"
            leftSection={<IconWorld size={18} />}
            active={location.pathname.startsWith('/connections')}
          />
        )}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <ErrorBoundary resetKey={location.pathname}>
          <Suspense fallback={<Loading label="Loading the page" />}>
            <Routes>
              <Route path="/" element={<ConfigurationsPage />} />
              <Route path="/configurations/:id" element={<ConfigurationPage />} />
              <Route path="/configurations/:id/:tab" element={<ConfigurationPage />} />
              <Route path="/logs" element={<LogsPage />} />
              <Route path="/monitoring" element={<MonitoringPage />} />
              <Route path="/alerts" element={<AlertsPage />} />
              <Route path="/targets" element={<TargetsPage />} />
              <Route path="/pilot" element={<PilotPage />} />
              <Route path="/conformance" element={<ConformancePage />} />
              <Route path="/audit" element={<AuditPage />} />
              <Route path="/settings" element={<SettingsPage />} />
              <Route path="/deploy" element={<DeployPage />} />
              <Route path="/connections" element={<ConnectionsPage />} />
              <Route path="/account" element={<AccountPage />} />
              <Route path="/administrators" element={<AdministratorsPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </Suspense>
        </ErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
