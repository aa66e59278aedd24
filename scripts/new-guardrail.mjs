#!/usr/bin/env node
// Scaffolds a Tollgate guardrail plugin package.
//
//   node scripts/new-guardrail.mjs <id>                  → plugins/guardrail-<id> (@tollgate/guardrail-<id>, in this repo)
//   node scripts/new-guardrail.mjs <id> --out <dir>      → <dir> (tollgate-guardrail-<id>, a package of your own)
//   options: --name <package name>  --description <text>
//
// The package depends only on @tollgate/guardrail-sdk, builds with `npm run build` (tsc) and ships a spec that runs
// the SDK's conformance kit. See README "Write your own guardrail".
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
const id = positionals[0];
if (values.help || !id) {
  process.stdout.write('usage: node scripts/new-guardrail.mjs <id> [--out <dir>] [--name <package>] [--description <text>]\n');
  process.exit(values.help ? 0 : 2);
}
if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) {
  process.stderr.write(`the id must be kebab-case (e.g. pii-filter), got ${JSON.stringify(id)}\n`);
  process.exit(2);
}
const inRepo = values.out === undefined;
const dir = inRepo ? join(repo, 'plugins', `guardrail-${id}`) : resolve(values.out);
const packageName = values.name ?? (inRepo ? `@tollgate/guardrail-${id}` : `tollgate-guardrail-${id}`);
const description = values.description ?? `Tollgate guardrail ${id}: refuses requests and replies that contain configured words.`;
if (existsSync(join(dir, 'package.json'))) {
  process.stderr.write(`${dir} already holds a package; choose another id or --out\n`);
  process.exit(1);
}
const camel = id.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const typeName = camel[0].toUpperCase() + camel.slice(1);

const files = {
  'package.json': JSON.stringify(
    {
      name: packageName,
      version: '0.1.0',
      description,
      license: 'MIT',
      main: 'dist/index.js',
      types: 'dist/index.d.ts',
      files: ['dist', 'README.md', 'CHANGELOG.md'],
      keywords: ['tollgate', 'guardrail'],
      tollgate: { guardrail: id },
      scripts: { build: 'tsc -p tsconfig.json' },
      peerDependencies: { '@tollgate/guardrail-sdk': '^1.0.0' },
      ...(inRepo ? {} : { devDependencies: { '@tollgate/guardrail-sdk': '^1.0.0', '@types/node': '^20.0.0', typescript: '^5.6.0' } }),
      engines: { node: '>=20.18' },
    },
    null,
    2,
  ),
  'tsconfig.json': JSON.stringify(
    {
      compilerOptions: {
        ...(inRepo ? { composite: true } : {}),
        target: 'ES2022',
        module: 'node16',
        moduleResolution: 'node16',
        lib: ['ES2023'],
        types: ['node'],
        rootDir: 'src',
        outDir: 'dist',
        strict: true,
        declaration: true,
        skipLibCheck: true,
      },
      ...(inRepo ? { references: [{ path: '../sdk' }] } : {}),
      include: ['src'],
      exclude: ['src/**/*.spec.ts'],
    },
    null,
    2,
  ),
  'src/index.ts': `import ${camel} from './${id}.guardrail';

export type { ${typeName}Config } from './${id}.guardrail';
export default ${camel};
`,
  [`src/${id}.guardrail.ts`]: `import { allow, block, defineGuardrail, type Guardrail } from '@tollgate/guardrail-sdk';

/** The instance config, validated against \`configSchema\` by Tollgate before \`create()\`. */
export interface ${typeName}Config {
  /** Words (case-insensitive) that get a request or a reply refused. */
  words: string[];
}

export default defineGuardrail<${typeName}Config>({
  manifest: {
    id: '${id}',
    version: '0.1.0',
    sdk: '^1.0.0',
    description: ${JSON.stringify(description)},
    phases: ['pre_call', 'post_call', 'streaming'],
    timeoutMs: 1000,
    configSchema: {
      type: 'object',
      properties: { words: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 } },
      required: ['words'],
    },
  },
  create(config): Guardrail {
    const words = config.words.map((word) => word.toLowerCase());
    const check = (texts: readonly string[]) => {
      const found = words.find((word) => texts.some((text) => text.toLowerCase().includes(word)));
      return found === undefined ? allow() : block(\`Violated guardrail policy: ${id}\`, { category: '${id}' });
    };
    return {
      preCall: (input) => check(input.messages.map((message) => (typeof message.content === 'string' ? message.content : ''))),
      postCall: (_input, output) => check(output.texts),
      onStreamWindow: (window) => check([window.text]),
    };
  },
});
`,
  [`src/${id}.guardrail.spec.ts`]: `import { assertGuardrailConformance, testContext, userInput } from '@tollgate/guardrail-sdk/testing';
import plugin from './index';

describe('${id} guardrail', () => {
  it('should conform to the guardrail SDK', async () => {
    await assertGuardrailConformance(plugin, { config: { words: ['forbidden'] }, inputs: [userInput('a forbidden word')] });
  });

  it('should refuse a request with a configured word', async () => {
    const sut = await plugin.create({ words: ['forbidden'] }, { instanceName: '${id}', logger: console, resolvePath: (path) => path });
    expect(await sut.preCall!(userInput('a FORBIDDEN word'), testContext())).toMatchObject({ action: 'block' });
    expect(await sut.preCall!(userInput('all fine'), testContext())).toEqual({ action: 'allow' });
  });
});
`,
  'README.md': `# ${packageName}

${description}

- **Phases**: \`pre_call\` (refuses the request), \`post_call\` and \`streaming\` (refuse the reply).
- **Failure mode**: Tollgate's \`on_error\` (default \`fail_closed\`); the check is in-process and takes microseconds
  (time budget 1000 ms).

## Config

| key | type | required | meaning |
|---|---|---|---|
| \`words\` | list of strings | yes | case-insensitive words that get a request or reply refused |

\`\`\`yaml
general_settings:
  guardrail_packages: [${packageName}]
guardrails:
  - guardrail_name: ${id}
    litellm_params: { guardrail: ${id}, mode: pre_call, default_on: true, words: ["forbidden"] }
\`\`\`
`,
  'CHANGELOG.md': `# Changelog\n\n## 0.1.0\n- First version.\n`,
};

for (const [path, text] of Object.entries(files)) {
  const target = join(dir, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text.endsWith('\n') ? text : `${text}\n`);
}
const where = relative(process.cwd(), dir) || '.';
process.stdout.write(`created ${packageName} in ${where}\n`);
process.stdout.write(
  inRepo
    ? `next: add { "path": "guardrail-${id}" } to plugins/tsconfig.build.json, run npm install, npm run build, and list ${packageName} in general_settings.guardrail_packages\n`
    : `next: cd ${where} && npm install && npm run build && npm pack, then npm install the tarball next to your config.yaml and list ${packageName} in general_settings.guardrail_packages\n`,
);
