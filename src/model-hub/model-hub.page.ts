import { createHash } from 'node:crypto';
import type { CapabilityFlag } from '../catalog/price-catalog';
import type { ModelGroupInfo } from '../models/models.service';
import type { ModelHubInfo } from './model-hub.service';
import { escapeHtml } from '../common/html';

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7fb}
header{background:#1d2330;color:#fff;padding:24px 32px}
header h1{margin:0 0 6px;font-size:24px}
header p{margin:0;color:#c9cfdc}
main{padding:24px 32px}
form{margin-bottom:16px;display:flex;gap:8px}
input[type=search]{flex:1;max-width:420px;padding:8px 10px;border:1px solid #c9cfdc;border-radius:6px;font-size:14px}
button{padding:8px 14px;border:0;border-radius:6px;background:#3451b2;color:#fff;font-size:14px}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:10px 12px;border-bottom:1px solid #eceef4;font-size:14px;vertical-align:top}
th{background:#eceef4;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;margin:0 4px 4px 0;padding:2px 8px;border-radius:10px;background:#e6ecff;color:#3451b2;font-size:12px}
.empty{padding:24px;background:#fff;border-radius:8px}
nav ul{list-style:none;padding:0;display:flex;gap:16px;flex-wrap:wrap}
footer{padding:16px 32px;color:#6b7385;font-size:12px}
`;

/** The digest the page's Content-Security-Policy names, so the one stylesheet is all that may style it. */
export const MODEL_HUB_STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** How the page names LiteLLM's capability flags. */
const CAPABILITY_LABELS: Readonly<Record<CapabilityFlag, string>> = {
  supports_function_calling: 'function calling',
  supports_parallel_function_calling: 'parallel function calling',
  supports_tool_choice: 'tool choice',
  supports_vision: 'vision',
  supports_response_schema: 'response schema',
  supports_system_messages: 'system messages',
  supports_prompt_caching: 'prompt caching',
  supports_audio_input: 'audio input',
  supports_audio_output: 'audio output',
  supports_reasoning: 'reasoning',
  supports_web_search: 'web search',
};

export interface ModelHubPage {
  readonly info: ModelHubInfo;
  readonly models: readonly ModelGroupInfo[];
  /** What the visitor searched for (`?q=`): a model, provider, mode or capability. */
  readonly query: string;
}

/** The hub as one HTML document: server-rendered, no script, every value escaped. */
export function renderModelHubPage(page: ModelHubPage): string {
  const query = page.query.trim().toLowerCase();
  const shown = query === '' ? page.models : page.models.filter((model) => searchableText(model).includes(query));
  const links = Object.entries(page.info.useful_links);
  const rows = shown.map(
    (model) => `<tr>
<td><code>${escapeHtml(model.model_group)}</code></td>
<td>${escapeHtml(model.providers.join(', '))}</td>
<td>${escapeHtml(model.mode ?? '')}</td>
<td class="num">${tokens(model.max_input_tokens)}</td>
<td class="num">${tokens(model.max_output_tokens)}</td>
<td class="num">${perMillion(model.input_cost_per_token)}</td>
<td class="num">${perMillion(model.output_cost_per_token)}</td>
<td>${capabilities(model)
      .map((label) => `<span class="badge">${escapeHtml(label)}</span>`)
      .join('')}</td>
</tr>`,
  );
  const body =
    rows.length > 0
      ? `<table>
<thead><tr><th>Model</th><th>Provider</th><th>Mode</th><th>Context window</th><th>Max output</th><th>Input / 1M tokens</th><th>Output / 1M tokens</th><th>Capabilities</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`
      : `<p class="empty">${page.models.length === 0 ? 'No models are public yet.' : `No public model matches “${escapeHtml(page.query)}”.`}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(page.info.docs_title)} · Model Hub</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(page.info.docs_title)} · Model Hub</h1>
${page.info.custom_docs_description ? `<p>${escapeHtml(page.info.custom_docs_description)}</p>` : ''}
</header>
<main>
${links.length > 0 ? `<nav><ul>${links.map(([title, url]) => `<li><a href="${escapeHtml(url)}" rel="noopener noreferrer">${escapeHtml(title)}</a></li>`).join('')}</ul></nav>` : ''}
<form method="get" role="search">
<input type="search" name="q" value="${escapeHtml(page.query)}" placeholder="Search models, providers, capabilities" aria-label="Search models">
<button type="submit">Search</button>
</form>
<p>${shown.length} of ${page.models.length} model${page.models.length === 1 ? '' : 's'}. Call them with any OpenAI SDK at <code>/v1/chat/completions</code> and a key from your administrator.</p>
${body}
</main>
<footer>Tollgate ${escapeHtml(page.info.litellm_version)} · <a href="/public/model_hub">JSON</a></footer>
</body>
</html>
`;
}

function searchableText(model: ModelGroupInfo): string {
  return [model.model_group, ...model.providers, model.mode ?? '', ...capabilities(model)].join(' ').toLowerCase();
}

function capabilities(model: ModelGroupInfo): string[] {
  return (Object.keys(CAPABILITY_LABELS) as CapabilityFlag[]).filter((flag) => model[flag]).map((flag) => CAPABILITY_LABELS[flag]);
}

function tokens(count: number | null): string {
  return count === null ? '–' : count.toLocaleString('en-US');
}

function perMillion(costPerToken: number | null): string {
  if (costPerToken === null) return '–';
  return `$${(costPerToken * 1_000_000).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
}
