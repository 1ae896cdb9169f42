// The bearer token, kept in localStorage so a reload stays unlocked.
const KEY = 'protopost.token';
const listeners = new Set<(token: string | null) => void>();

export function getToken(): string | null {
  try {
    return localStorage.getItem(KEY) || null;
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(KEY, token);
    else localStorage.removeItem(KEY);
  } catch {
    // storage unavailable (private mode): the token lives for this page only
  }
  for (const fn of listeners) fn(token);
}

export function onTokenChange(fn: (token: string | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function authHeader(token = getToken()): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
