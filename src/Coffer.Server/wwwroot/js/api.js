// The REST API as the web UI uses it: the session cookie plus the antiforgery token, and every
// failure turned into an ApiError carrying the problem document's title and detail.

const antiforgery = () => document.querySelector('meta[name="antiforgery"]')?.content ?? '';

export const antiforgeryHeader = 'X-Coffer-Antiforgery';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title ?? `The server answered ${status}.`);
    this.status = status;
    this.detail = problem?.detail ?? null;
    this.field = problem?.field ?? null;
  }

  /** One line for a toast: what went wrong and, when the server said, what to do. */
  get text() { return this.detail ? `${this.message} ${this.detail}` : this.message; }
}

/** Reads a problem document from a failed answer; a network failure or an odd body still gives a readable error. */
export async function errorFrom(response) {
  let problem = null;
  try {
    if ((response.headers.get('content-type') ?? '').includes('json')) problem = await response.json();
  } catch { /* the status says enough */ }
  if (!problem && response.status === 401) problem = { title: 'Your session has ended.', detail: 'Sign in again.' };
  return new ApiError(response.status, problem);
}

export async function api(method, path, body) {
  const response = await apiResponse(method, path, body);
  return response.status === 204 ? null : response.json();
}

/** Like api(), for callers that need the answer's status as well (201 created vs 200 replaced). */
export async function apiResponse(method, path, body) {
  const headers = { [antiforgeryHeader]: antiforgery(), Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { title: 'The server could not be reached.', detail: 'Check your connection and try again.' });
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export const headersForUpload = () => ({ [antiforgeryHeader]: antiforgery() });
