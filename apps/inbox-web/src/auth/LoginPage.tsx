import { FormEvent, useState } from 'react';
import { inboxApi } from '../api/client';
import { session } from './session';
import { instanceName } from '../ui/instance-name';

const name = instanceName(location.hostname);

/** Username and password → the user's token (seed 002's `auth/token/`). */
export function LoginPage({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(() => session.takeReason());
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { token } = await inboxApi.login(username, password);
      session.start(token);
      onLoggedIn();
    } catch {
      setError('That username and password do not match an account of this inbox.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">WhatsApp Inbox</h1>
        <p className="muted">
          {name ? `Log in to ${name}'s inbox to answer your customers.` : 'Log in to answer your customers.'}
        </p>
        <label>
          Username
          <input
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="username"
            required
          />
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
