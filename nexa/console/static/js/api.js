// The admin API: tokens in sessionStorage, one refresh on a 401, readable error messages.

const STORAGE_KEY = 'nexa.console.session';

export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export const session = {
  get() {
    try {
      const value = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
      return value && value.access ? value : null;
    } catch {
      return null;
    }
  },
  set(value) {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
  },
  clear() {
    sessionStorage.removeItem(STORAGE_KEY);
  },
};

let sessionEnded = () => {};

/** Called with a message when the session cannot be refreshed (the app shows the login). */
export function onSessionEnd(handler) {
  sessionEnded = handler;
}

function fieldName(loc) {
  const parts = (loc || []).filter((part) => !['body', 'query', 'path'].includes(part));
  return parts.join('.');
}

/** A sentence for people from an error answer `{detail, code}` (422: a list of field errors). */
export function describeError(status, body, headers) {
  const detail = body && typeof body === 'object' ? body.detail : null;
  if (Array.isArray(detail) && detail.length) {
    return detail
      .map((item) => {
        const message = String(item.msg || 'is not valid').replace(/^Value error, /, '');
        const field = fieldName(item.loc);
        return field ? `${field}: ${message}` : message;
      })
      .join('; ');
  }
  if (typeof detail === 'string' && detail) {
    if (status === 429 && headers && headers.get('Retry-After')) {
      return `${detail} (try again in ${headers.get('Retry-After')} s)`;
    }
    return detail;
  }
  if (status === 401) return 'Please sign in again.';
  if (status === 403) return 'This needs an admin account.';
  if (status === 404) return 'Not found.';
  if (status === 429) return 'Too many requests; wait a moment and try again.';
  if (status >= 500) return `The server could not do this (HTTP ${status}). Try again shortly.`;
  return `The request failed (HTTP ${status}).`;
}

function buildUrl(path, query) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '') continue;
    url.searchParams.set(key, String(value));
  }
  return url.pathname + url.search;
}

async function readBody(response) {
  const type = response.headers.get('Content-Type') || '';
  if (!type.includes('json')) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

async function send(method, path, options, accessToken) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  const init = { method, headers, cache: 'no-store' };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  try {
    return await fetch(buildUrl(path, options.query), init);
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach the NEXA server. Check the connection and try again.');
  }
}

let refreshing = null;

async function refreshTokens() {
  const current = session.get();
  if (!current || !current.refresh) return false;
  const response = await send('POST', '/refresh', { body: { refresh_token: current.refresh } }, null);
  if (!response.ok) return false;
  const tokens = await readBody(response);
  if (!tokens || !tokens.access_token) return false;
  session.set({ ...current, access: tokens.access_token, refresh: tokens.refresh_token || current.refresh });
  return true;
}

/**
 * One API call. Options: query, body, raw (return the Response), withTotal (return
 * {data, total} from X-Total-Count), auth (default true).
 * Throws ApiError with a readable message.
 */
export async function request(method, path, options = {}) {
  const useAuth = options.auth !== false;
  const used = useAuth ? session.get() : null;
  let response = await send(method, path, options, used && used.access);
  if (response.status === 401 && useAuth) {
    const latest = session.get();
    let renewed = Boolean(latest && used && latest.access !== used.access); // refreshed meanwhile
    if (!renewed) {
      refreshing = refreshing || refreshTokens().finally(() => { refreshing = null; });
      renewed = await refreshing;
    }
    if (renewed) response = await send(method, path, options, session.get().access);
    if (response.status === 401) {
      session.clear();
      const message = 'Your session has ended. Please sign in again.';
      sessionEnded(message);
      throw new ApiError(401, 'session_ended', message);
    }
  }
  if (!response.ok) {
    const body = await readBody(response);
    const code = (body && body.code) || `http_${response.status}`;
    throw new ApiError(response.status, code, describeError(response.status, body, response.headers), body);
  }
  if (options.raw) return response;
  const data = response.status === 204 ? null : await readBody(response);
  if (options.withTotal) {
    const total = response.headers.get('X-Total-Count');
    return { data, total: total === null ? null : Number(total) };
  }
  return data;
}

/** A fresh Idempotency-Key for one money-moving request (randomUUID needs a secure context). */
export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export const api = {
  get: (path, query, options = {}) => request('GET', path, { ...options, query }),
  post: (path, body, options = {}) => request('POST', path, { ...options, body }),
  put: (path, body, options = {}) => request('PUT', path, { ...options, body }),
  del: (path, options = {}) => request('DELETE', path, options),
};

export async function login(email, password, totp) {
  const body = totp ? { email, password, totp } : { email, password };
  const tokens = await request('POST', '/admin/login', { body, auth: false });
  session.set({ access: tokens.access_token, refresh: tokens.refresh_token, email });
}

export async function logout() {
  const current = session.get();
  if (current) {
    try {
      await send('POST', '/logout', { body: { refresh_token: current.refresh } }, current.access);
    } catch {
      // signed out locally whatever the server says
    }
  }
  session.clear();
}
