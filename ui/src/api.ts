/**
 * What every page shares: the bearer token (typed in once, kept for the browser tab only), calls to the
 * API with it, and the sign-in form shown when there is no token or the server refuses it.
 */
const KEY = 'hcp-token';

export function token(): string | null {
  return sessionStorage.getItem(KEY);
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; details?: Array<{ field: string; reason: string }> },
  ) {
    super(body?.message ?? `HTTP ${status}`);
  }
}

/** Calls the API with the token; JSON in and out. */
export async function api<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token() ?? ''}` };
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = contentType;
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (!res.ok) throw new ApiError(res.status, parsed as ApiError['body']);
  return parsed as T;
}

/** Resolves with the user once a token the server accepts is known; shows the sign-in form until then. */
export async function signIn(root: HTMLElement): Promise<{ id: string; roles: string[]; counties: string[] }> {
  for (;;) {
    if (token()) {
      try {
        return await api('GET', '/api/v1/me');
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 401) throw err;
        signOut();
      }
    }
    await new Promise<void>((resolve) => {
      root.innerHTML = `
        <form class="signin" id="signin">
          <h1>政务服务“好差评” · 差评办件</h1>
          <label>Token (令牌) <input id="token" type="password" autocomplete="off" required placeholder="hcp_…" /></label>
          <button type="submit">Sign in 登录</button>
          <p class="hint">The token an administrator gave you (npm start prints the first one).</p>
        </form>`;
      root.querySelector('#signin')!.addEventListener('submit', (e) => {
        e.preventDefault();
        sessionStorage.setItem(KEY, (root.querySelector('#token') as HTMLInputElement).value.trim());
        resolve();
      });
    });
  }
}

export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
