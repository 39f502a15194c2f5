import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useNavigate, useParams } from 'react-router';
import { LoginPage } from './auth/LoginPage';
import { session } from './auth/session';
import { ChatList } from './chats/ChatList';
import { Conversation } from './conversation/Conversation';
import { useLiveEvents } from './live/useLiveEvents';
import { instanceName } from './ui/instance-name';

const queries = new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1 } } });

const name = instanceName(location.hostname);

function Inbox({ onLogout }: { onLogout: () => void }) {
  const { waId } = useParams();
  const [unseen, setUnseen] = useState(0);
  const [notify, setNotify] = useState(() => ('Notification' in window ? Notification.permission : 'denied'));
  const onInbound = useCallback(
    (from: string) => {
      if (from === waId && !document.hidden) return;
      setUnseen((n) => n + 1);
      if (notify === 'granted')
        new Notification('New WhatsApp message', { body: `From +${from}`, tag: from });
    },
    [waId, notify],
  );
  const live = useLiveEvents(onInbound);
  useEffect(() => {
    document.title = unseen ? `(${unseen}) WhatsApp Inbox` : 'WhatsApp Inbox';
  }, [unseen]);
  useEffect(() => setUnseen(0), [waId]);
  return (
    <div className={waId ? 'inbox has-chat' : 'inbox'}>
      <header className="topbar">
        <span className="brand">
          WhatsApp Inbox{name && <span className="instance-name"> · {name}</span>}
        </span>
        <span className={`live live-${live}`} role="status">
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline, reconnecting…'}
        </span>
        {notify === 'default' && (
          <button className="link" onClick={() => void Notification.requestPermission().then(setNotify)}>
            Turn on notifications
          </button>
        )}
        <button className="link" onClick={onLogout}>
          Log out
        </button>
      </header>
      <ChatList openWaId={waId} />
      {waId ? (
        <Conversation key={waId} waId={waId} />
      ) : (
        <section className="conversation placeholder">
          <p className="empty">Choose a chat on the left to read and answer it.</p>
        </section>
      )}
    </div>
  );
}

function Routed() {
  const navigate = useNavigate();
  const [loggedIn, setLoggedIn] = useState(() => session.token() !== null);
  useEffect(() => {
    const out = () => setLoggedIn(false);
    window.addEventListener('inbox:logged-out', out);
    return () => window.removeEventListener('inbox:logged-out', out);
  }, []);
  if (!loggedIn) return <LoginPage onLoggedIn={() => setLoggedIn(true)} />;
  const logout = () => {
    session.end();
    queries.clear();
    setLoggedIn(false);
    void navigate('/');
  };
  return (
    <Routes>
      <Route path="/" element={<Inbox onLogout={logout} />} />
      <Route path="/main/chat/:waId" element={<Inbox onLogout={logout} />} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queries}>
      <BrowserRouter>
        <Routed />
      </BrowserRouter>
    </QueryClientProvider>
  );
}
