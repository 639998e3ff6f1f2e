import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { HashRouter, Route, Routes } from 'react-router';
import { ApiClient, ApiError } from './api/client';
import { ApiContext } from './api/context';
import { forgetToken, readToken, storeToken } from './api/token';
import { Layout } from './components/layout';
import { TokenPrompt } from './components/token-prompt';
import type { DashboardConfig } from './config';
import { DeadLettersPage } from './pages/dead-letters';
import { HistoryPage } from './pages/history';
import { NotFoundPage } from './pages/not-found';
import { OverviewPage } from './pages/overview';
import { QueuesPage } from './pages/queues';
import { SchedulesPage } from './pages/schedules';
import { TaskDetailPage } from './pages/task-detail';
import { TasksPage } from './pages/tasks';
import { WorkersPage } from './pages/workers';

type AuthState = { need: false } | { need: true; reason: 'missing' | 'refused' };

/**
 * The dashboard: one API client, one query cache, hash routes (so any static server can serve the
 * bundle without rewrite rules). A 401 from any call drops every cached answer and shows the token
 * prompt instead of the page, so nothing fetched with an old token stays on screen.
 */
export function App({ config }: { config: DashboardConfig }) {
  // Ask for the token before the first call when the API wants one, so no call fails just to find out.
  const [auth, setAuth] = useState<AuthState>(() =>
    config.authRequired && readToken() === null ? { need: true, reason: 'missing' } : { need: false },
  );
  const api = useMemo(() => new ApiClient(config.apiUrl), [config.apiUrl]);
  const queryClient = useMemo(() => {
    const onError = (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) {
        const hadToken = readToken() !== null;
        forgetToken();
        client.clear();
        setAuth({ need: true, reason: hadToken ? 'refused' : 'missing' });
      }
    };
    const client: QueryClient = new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: {
        queries: {
          // A 4xx will not change by asking again; a network error or 5xx may.
          retry: (count, error) =>
            !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
          refetchOnWindowFocus: true,
        },
      },
    });
    return client;
  }, []);

  const signOut = () => {
    forgetToken();
    queryClient.clear();
    setAuth({ need: true, reason: 'missing' });
  };

  return (
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={queryClient}>
        <HashRouter>
          <Layout apiUrl={config.apiUrl} signedIn={!auth.need && readToken() !== null} onSignOut={signOut}>
            {auth.need ? (
              <TokenPrompt
                reason={auth.reason}
                apiUrl={config.apiUrl}
                onToken={(token) => {
                  storeToken(token);
                  setAuth({ need: false });
                }}
              />
            ) : (
              <Routes>
                <Route path="/" element={<OverviewPage />} />
                <Route path="/queues" element={<QueuesPage />} />
                <Route path="/dead" element={<DeadLettersPage />} />
                <Route path="/dead/:queue" element={<DeadLettersPage />} />
                <Route path="/tasks" element={<TasksPage />} />
                <Route path="/tasks/:id" element={<TaskDetailPage />} />
                <Route path="/workers" element={<WorkersPage />} />
                <Route path="/schedules" element={<SchedulesPage />} />
                <Route path="/history" element={<HistoryPage history={config.history} />} />
                <Route path="*" element={<NotFoundPage />} />
              </Routes>
            )}
          </Layout>
        </HashRouter>
      </QueryClientProvider>
    </ApiContext.Provider>
  );
}
