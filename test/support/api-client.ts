export type Json = Record<string, unknown>;

export interface ApiResponse<T> {
  status: number;
  body: T;
}

export interface ApiClient {
  call<T = Json>(method: 'GET' | 'POST', path: string, body?: unknown, auth?: string): Promise<ApiResponse<T>>;
  post<T = Json>(path: string, body: unknown, auth?: string): Promise<ApiResponse<T>>;
  get<T = Json>(path: string, auth?: string): Promise<ApiResponse<T>>;
}

/**
 * JSON calls to the management API of a gateway under test, with the master key unless told otherwise.
 * `baseUrl` is read at each call so suites can create the client before the gateway has started.
 */
export function apiClient(baseUrl: () => string, masterKey: string): ApiClient {
  async function call<T = Json>(method: 'GET' | 'POST', path: string, body?: unknown, auth = masterKey): Promise<ApiResponse<T>> {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }
  return {
    call,
    post: <T = Json>(path: string, body: unknown, auth?: string) => call<T>('POST', path, body, auth),
    get: <T = Json>(path: string, auth?: string) => call<T>('GET', path, undefined, auth),
  };
}
