// The routes of the UI contract (docs/admin-ui.md) that the generated schema does not have yet, in
// openapi-typescript's shape. `ApiPaths` (client.ts) lets the generated schema win for every path it
// has, so once a route is on the branch this file only repeats it and can lose it.

type NoParameters = { query?: never; header?: never; path?: never; cookie?: never };
type Json<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };
type Body<T> = { content: { 'application/json': T } };
type PathItem = { parameters: NoParameters; get?: never; put?: never; post?: never; delete?: never; options?: never; head?: never; patch?: never; trace?: never };

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
