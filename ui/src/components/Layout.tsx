import { AppShell, Badge, Button, Group, NavLink, Stack, Text, Title } from '@mantine/core';
import { NavLink as RouterLink, Outlet, useNavigate } from 'react-router';
import { useLogout, useSession } from '../session';

const PAGES = [
  ['/keys', 'Keys'],
  ['/teams', 'Teams'],
  ['/users', 'Users'],
  ['/organizations', 'Organizations'],
  ['/customers', 'End users'],
  ['/budgets', 'Budgets'],
  ['/models', 'Models'],
  ['/router', 'Router settings'],
  ['/spend', 'Spend'],
  ['/audit', 'Audit log'],
  ['/guardrails', 'Guardrails'],
] as const;

export function Layout() {
  const session = useSession();
  const logout = useLogout();
  const navigate = useNavigate();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={3}>Tollgate</Title>
          <Group>
            <Text size="sm" data-testid="whoami">
              {session.user_email ?? session.user_id}
            </Text>
            <Badge variant="light" data-testid="role">
              {session.user_role}
            </Badge>
            <Button
              size="xs"
              variant="default"
              onClick={() =>
                void logout().then(() => {
                  void navigate('/login');
                })
              }
            >
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <Stack gap={2}>
          {PAGES.map(([path, label]) => (
            <NavLink key={path} component={RouterLink} to={path} label={label} />
          ))}
          {/* The public hub is a server-rendered page of its own, outside this app. */}
          <NavLink href="/ui/model_hub_table" label="Public model hub ↗" target="_blank" />
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
