import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, type ReactNode } from 'react';
import { api, setCsrfToken, unwrap } from './api/client';
import type { components } from './api/schema';

type SessionInfo = components['schemas']['SessionInfoDto'];
type UserRole = SessionInfo['user_role'];

export interface Session extends SessionInfo {
  /** May change anything the proxy admin may (the server still checks every call). */
  isAdmin: boolean;
  /** Sees everything, changes nothing. */
  isViewer: boolean;
  /** May create and change keys (an admin, or an internal user for their own). */
  canEditKeys: boolean;
}

const SessionContext = createContext<Session | null>(null);

const VIEWERS: readonly UserRole[] = ['proxy_admin_viewer', 'internal_user_viewer'];

export function toSession(info: SessionInfo): Session {
  setCsrfToken(info.csrf_token);
  const isAdmin = info.user_role === 'proxy_admin';
  const isViewer = VIEWERS.includes(info.user_role);
  return { ...info, isAdmin, isViewer, canEditKeys: isAdmin || info.user_role === 'internal_user' || info.user_role === 'org_admin' };
}

export const SESSION_QUERY = ['session'] as const;

/** The live session (GET /session/info); `null` when there is none (401). */
export function useSessionQuery() {
  return useQuery({
    queryKey: SESSION_QUERY,
    queryFn: async (): Promise<Session | null> => {
      const result = await api.GET('/session/info');
      if (result.response.status === 401) return null;
      return toSession(unwrap(result));
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

export function useLogout(): () => Promise<void> {
  const client = useQueryClient();
  return async () => {
    await api.POST('/logout');
    setCsrfToken(null);
    client.clear();
    client.setQueryData(SESSION_QUERY, null);
  };
}
