// The routes of the UI contract (/work/notes/ui-contract.md, docs/admin-ui.md) that the generated schema may not
// have yet, in openapi-typescript's shape. `ApiPaths` (client.ts) lets the generated schema win for every path it
// has, so once a route is on the branch this file only repeats it and can lose it.

type NoParameters = { query?: never; header?: never; path?: never; cookie?: never };
type Json<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };
type Body<T> = { content: { 'application/json': T } };
type PathItem = { parameters: NoParameters; get?: never; put?: never; post?: never; delete?: never; options?: never; head?: never; patch?: never; trace?: never };

export type UserRole = 'proxy_admin' | 'proxy_admin_viewer' | 'internal_user' | 'internal_user_viewer' | 'org_admin';

export interface SessionInfo {
  user_id: string;
  user_email: string | null;
  user_role: UserRole;
  csrf_token: string;
  expires_at: string;
  idle_timeout_seconds: number;
}

export interface RouterSettingsField {
  field_name: string;
  field_type: string;
  field_description: string;
  field_value: unknown;
  field_default_value: unknown;
  options?: string[];
}

export interface ModelAnalyticsRow {
  model_group: string;
  requests: number;
  failures: number;
  avg_latency_ms: number | null;
  avg_latency_per_output_token_ms: number | null;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ModelAnalyticsDay {
  date: string;
  requests: number;
  failures: number;
  avg_latency_ms: number | null;
  avg_latency_per_output_token_ms: number | null;
  spend: number;
}

export interface ContractPaths {
  '/v2/login': Omit<PathItem, 'post'> & {
    post: { parameters: NoParameters; requestBody: Body<{ username: string; password: string }>; responses: { 200: Json<SessionInfo> } };
  };
  '/session/info': Omit<PathItem, 'get'> & { get: { parameters: NoParameters; requestBody?: never; responses: { 200: Json<SessionInfo> } } };
  '/logout': Omit<PathItem, 'post'> & { post: { parameters: NoParameters; requestBody?: never; responses: { 200: Json<{ message: string }> } } };
  '/router/settings': Omit<PathItem, 'get'> & {
    get: {
      parameters: NoParameters;
      requestBody?: never;
      responses: { 200: Json<{ fields: RouterSettingsField[]; current_values: Record<string, unknown>; routing_strategy_descriptions: Record<string, string> }> };
    };
  };
  '/config/update': Omit<PathItem, 'post'> & {
    post: {
      parameters: NoParameters;
      requestBody: Body<{
        general_settings?: Record<string, unknown>;
        router_settings?: Record<string, unknown>;
        litellm_settings?: Record<string, unknown>;
        environment_variables?: Record<string, string>;
      }>;
      responses: { 200: Json<Record<string, unknown>> };
    };
  };
  '/get/config/callbacks': Omit<PathItem, 'get'> & { get: { parameters: NoParameters; requestBody?: never; responses: { 200: Json<Record<string, unknown>> } } };
  '/active/callbacks': Omit<PathItem, 'get'> & { get: { parameters: NoParameters; requestBody?: never; responses: { 200: Json<Record<string, unknown>> } } };
  '/model/analytics': Omit<PathItem, 'get'> & {
    get: {
      parameters: { query: { start_date: string; end_date: string }; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: { 200: Json<{ data: ModelAnalyticsRow[] }> };
    };
  };
  '/model/analytics/daily': Omit<PathItem, 'get'> & {
    get: {
      parameters: { query: { model_group: string; start_date: string; end_date: string }; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: { 200: Json<{ data: ModelAnalyticsDay[] }> };
    };
  };
}
