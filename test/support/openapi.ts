import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The parts of an OpenAPI 3.0 document these tests read. */
export type SchemaObject = Record<string, unknown>;

export interface OperationObject {
  operationId?: string;
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: SchemaObject }> }>;
  [field: string]: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, SchemaObject> };
}

export interface CatalogedRoute {
  path: string;
  methods: string[];
  routeClass: string | null;
}

export interface SpecOperation {
  method: string;
  path: string;
  operation: OperationObject;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

export function operationsOf(spec: OpenApiDocument): SpecOperation[] {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({ method, path, operation })),
  );
}

/** Management API = the route classes `management` and `admin` of `GET /routes`. */
export function isManagement(route: CatalogedRoute): boolean {
  return route.routeClass === 'management' || route.routeClass === 'admin';
}

/** The success responses (2XX) of an operation that carry a schema, by status and media type. */
export function successSchemas(operation: OperationObject): { status: string; mediaType: string; schema: SchemaObject }[] {
  return Object.entries(operation.responses ?? {})
    .filter(([status]) => /^2(\d\d|XX)$/.test(status))
    .flatMap(([status, response]) =>
      Object.entries(response.content ?? {})
        .filter(([, media]) => media.schema !== undefined && Object.keys(media.schema).length > 0)
        .map(([mediaType, media]) => ({ status, mediaType, schema: media.schema! })),
    );
}

/**
 * OpenAPI 3.0 schema → JSON Schema (draft-07) for Ajv: `nullable: true` becomes `anyOf [schema, null]` (OpenAPI's
 * meaning, which Ajv's own `nullable` keyword does not give a `$ref`/`allOf` schema), component refs point into
 * `definitions`. With `closed`, every object schema that lists its properties and says nothing about others
 * refuses unlisted ones, so a response field the DTO does not describe fails the test instead of passing unseen.
 */
export function toJsonSchema(schema: unknown, closed: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item, closed));
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as SchemaObject;
  const converted: SchemaObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    if (key === '$ref' && typeof value === 'string') converted.$ref = value.replace('#/components/schemas/', '#/definitions/');
    else if (key === 'properties' && typeof value === 'object' && value !== null) {
      converted.properties = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, toJsonSchema(property, closed)]));
    } else converted[key] = toJsonSchema(value, closed);
  }
  if (closed && converted.properties !== undefined && converted.additionalProperties === undefined) converted.additionalProperties = false;
  // draft-07 ignores the siblings of a $ref: keep them by moving the $ref into an allOf.
  if (converted.$ref !== undefined && Object.keys(converted).length > 1) {
    const { $ref, ...rest } = converted;
    converted.allOf = [...((rest.allOf as unknown[] | undefined) ?? []), { $ref }];
    delete converted.$ref;
    Object.assign(converted, rest);
  }
  return source.nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted;
}

/** Validators of response bodies against a spec's schemas (components resolved). */
export class ResponseValidator {
  private readonly ajv: Ajv;
  private readonly definitions: Record<string, unknown>;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly spec: OpenApiDocument) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.definitions = Object.fromEntries(Object.entries(spec.components?.schemas ?? {}).map(([name, schema]) => [name, toJsonSchema(schema, true)]));
  }

  /** Checks a body against the schema of `method path` for `status` and `mediaType`; throws when the spec has none. */
  validate(method: string, path: string, status: number, body: unknown, mediaType = 'application/json'): { valid: boolean; errors: string } {
    const key = `${method} ${path} ${status} ${mediaType}`;
    let validator = this.cache.get(key);
    if (!validator) {
      const operation = this.spec.paths[path]?.[method.toLowerCase()];
      if (!operation) throw new Error(`no operation ${method} ${path} in the spec`);
      const response = operation.responses?.[String(status)] ?? operation.responses?.[`${String(status)[0]}XX`];
      const schema = response?.content?.[mediaType]?.schema;
      if (!schema) throw new Error(`no ${mediaType} schema for ${status} of ${method} ${path}`);
      validator = this.ajv.compile({ ...(toJsonSchema(schema, true) as SchemaObject), definitions: this.definitions });
      this.cache.set(key, validator);
    }
    const valid = validator(body) as boolean;
    return { valid, errors: valid ? '' : this.ajv.errorsText(validator.errors, { separator: '\n' }) };
  }
}

/**
 * Schemas that say nothing about their value: no type, $ref, composition or enum, or an object with neither
 * properties nor additionalProperties (what Swagger makes of an `unknown` or `object` field). An explicit
 * `additionalProperties: true` is a documented free-form map and passes. Returns where each is.
 */
export function untypedSchemas(spec: OpenApiDocument): string[] {
  const found: string[] = [];
  const visit = (schema: unknown, pointer: string): void => {
    if (typeof schema !== 'object' || schema === null) return;
    const node = schema as SchemaObject;
    const bareObject = node.type === 'object' && node.properties === undefined && node.additionalProperties === undefined && node.allOf === undefined;
    if (bareObject || !['type', '$ref', 'oneOf', 'anyOf', 'allOf', 'enum'].some((key) => key in node)) found.push(pointer);
    for (const [name, property] of Object.entries((node.properties as Record<string, unknown> | undefined) ?? {})) visit(property, `${pointer}/properties/${name}`);
    if (node.items !== undefined) visit(node.items, `${pointer}/items`);
    if (typeof node.additionalProperties === 'object') visit(node.additionalProperties, `${pointer}/additionalProperties`);
    for (const key of ['oneOf', 'anyOf', 'allOf']) (node[key] as unknown[] | undefined)?.forEach((item, i) => visit(item, `${pointer}/${key}/${i}`));
  };
  for (const [name, schema] of Object.entries(spec.components?.schemas ?? {})) visit(schema, `#/components/schemas/${name}`);
  for (const { method, path, operation } of operationsOf(spec)) {
    const body = operation.requestBody as { content?: Record<string, { schema?: SchemaObject }> } | undefined;
    for (const [type, media] of Object.entries(body?.content ?? {})) visit(media.schema, `${method} ${path} request ${type}`);
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      for (const [type, media] of Object.entries(response.content ?? {})) visit(media.schema, `${method} ${path} ${status} ${type}`);
    }
    for (const parameter of (operation.parameters as { name: string; schema?: SchemaObject }[] | undefined) ?? [])
      visit(parameter.schema, `${method} ${path} parameter ${parameter.name}`);
  }
  return found;
}

export interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer?: string }[];
}

export interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: LintProblem[];
}

/** Runs `redocly lint` (the repo's redocly.yaml) on a spec, offline, and returns its report. */
export function lintSpec(spec: OpenApiDocument): LintReport {
  const root = resolve(__dirname, '../..');
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(spec));
    const result = spawnSync(
      process.execPath,
      [join(root, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'json', '--max-problems', '10000'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }, timeout: 60_000 },
    );
    const start = result.stdout.indexOf('{');
    if (start < 0) throw new Error(`redocly lint printed no report (exit ${result.status}): ${result.stderr}`);
    return JSON.parse(result.stdout.slice(start)) as LintReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
