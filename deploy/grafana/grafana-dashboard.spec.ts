import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HTTP_REQUESTS_TOTAL } from '../../src/observability/http-metrics.service';
import { exposedName, LITELLM_METRICS, SERIES_DROPPED } from '../../src/observability/litellm-metrics';

interface Target {
  expr: string;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
}

interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; definition?: string }[] };
}

const dashboard = JSON.parse(readFileSync(join(__dirname, 'tollgate-litellm.json'), 'utf8')) as Dashboard;

/** Every series name the gateway can serve, with its labels: LiteLLM's set and the Tollgate series the dashboard uses. */
const served = new Map<string, readonly string[]>();
for (const spec of LITELLM_METRICS) {
  const name = exposedName(spec);
  if (spec.kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) served.set(`${name}${suffix}`, suffix === '_bucket' ? [...spec.labels, 'le'] : spec.labels);
  else served.set(name, spec.labels);
}
served.set(SERIES_DROPPED, ['metric']);
served.set(HTTP_REQUESTS_TOTAL, ['method', 'route', 'status_code']);

/** Every PromQL expression of the dashboard: panel targets and variable queries. */
const expressions: { where: string; expr: string }[] = [
  ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: panel.title, expr: target.expr }))),
  ...dashboard.templating.list.filter((variable) => variable.definition).map((variable) => ({ where: `$${variable.name}`, expr: variable.definition! })),
];

const METRIC = /\b((?:litellm|tollgate)_[a-z0-9_]+)\b/g;

/** The metric names of a query: label names (selectors, `by (…)`, label_values' second argument) set aside. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(?:by|without)\s*\([^)]*\)/g, '')
    .replace(/label_values\((\w+),\s*\w+\)/g, 'label_values($1)');
  return [...bare.matchAll(METRIC)].map((match) => match[1]);
}

describe('Grafana dashboard deploy/grafana/tollgate-litellm.json', () => {
  it('should be a dashboard with panels of unique ids, each graph with a query', () => {
    expect(dashboard.uid).toBe('tollgate-litellm');
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect([panel.title, panel.targets?.length ?? 0]).not.toEqual([panel.title, 0]);
  });

  it('should name only metrics the gateway serves', () => {
    const unknown = expressions.flatMap(({ where, expr }) =>
      metricsOf(expr)
        .filter((name) => !served.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(expressions.length).toBeGreaterThan(30);
  });

  it('should select and group only by labels those metrics have', () => {
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      const metrics = metricsOf(expr);
      const labels = new Set(metrics.flatMap((name) => served.get(name) ?? []));
      for (const selector of expr.matchAll(/\b((?:litellm|tollgate)_[a-z0-9_]+)\{([^}]*)\}/g)) {
        for (const label of selector[2].matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g))
          if (!(served.get(selector[1]) ?? []).includes(label[1])) problems.push(`${where}: ${selector[1]} has no label ${label[1]}`);
      }
      for (const grouping of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const label of grouping[1].split(',').map((text) => text.trim())) if (!labels.has(label)) problems.push(`${where}: no metric of the query has label ${label}`);
      }
      const variable = /label_values\((\w+), (\w+)\)/.exec(expr);
      if (variable && !(served.get(variable[1]) ?? []).includes(variable[2])) problems.push(`${where}: ${variable[1]} has no label ${variable[2]}`);
    }
    expect(problems).toEqual([]);
  });
});
