import { Center, Loader } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { whenUnauthorized } from './api/client';
import { Layout } from './components/Layout';
import { AuditPage } from './pages/AuditPage';
import { BudgetsPage } from './pages/BudgetsPage';
import { CustomersPage } from './pages/CustomersPage';
import { GuardrailsPage } from './pages/GuardrailsPage';
import { KeysPage } from './pages/KeysPage';
import { LoginPage } from './pages/LoginPage';
import { ModelsPage } from './pages/ModelsPage';
import { OrganizationsPage } from './pages/OrganizationsPage';
import { RouterSettingsPage } from './pages/RouterSettingsPage';
import { SpendPage } from './pages/SpendPage';
import { TeamsPage } from './pages/TeamsPage';
import { UsersPage } from './pages/UsersPage';
import { SESSION_QUERY, SessionProvider, useSessionQuery } from './session';

export function App() {
  const navigate = useNavigate();
  const location = useLocation();
  const client = useQueryClient();
  const session = useSessionQuery();

  useEffect(() => {
    // Any 401 from the API: the session expired or was revoked, so back to the login page.
    whenUnauthorized(() => {
      client.setQueryData(SESSION_QUERY, null);
      void navigate('/login', { replace: true });
    });
  }, [client, navigate]);

  if (session.isPending)
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  if (!session.data) {
    if (location.pathname !== '/login') return <Navigate to="/login" replace />;
    return <LoginPage />;
  }
  return (
    <SessionProvider session={session.data}>
      <Routes>
        <Route path="/login" element={<Navigate to="/keys" replace />} />
        <Route element={<Layout />}>
          <Route path="/" element={<Navigate to="/keys" replace />} />
          <Route path="/keys" element={<KeysPage />} />
          <Route path="/teams" element={<TeamsPage />} />
          <Route path="/users" element={<UsersPage />} />
          <Route path="/organizations" element={<OrganizationsPage />} />
          <Route path="/customers" element={<CustomersPage />} />
          <Route path="/budgets" element={<BudgetsPage />} />
          <Route path="/models" element={<ModelsPage />} />
          <Route path="/router" element={<RouterSettingsPage />} />
          <Route path="/spend" element={<SpendPage />} />
          <Route path="/audit" element={<AuditPage />} />
          <Route path="/guardrails" element={<GuardrailsPage />} />
          <Route path="*" element={<Navigate to="/keys" replace />} />
        </Route>
      </Routes>
    </SessionProvider>
  );
}
