#!/usr/bin/env node
// Builds the labelled corpus of the hide-secrets guardrail (run once; the output files are committed, so the
// measured rates never drift with node_modules):
//   positive.jsonl  one secret per sample, synthetic values in realistic contexts, labelled with the secret's type
//   negative.jsonl  ordinary prose (package READMEs) and code (package sources) from node_modules, no secrets
// Usage: node plugins/guardrail-hide-secrets/corpus/build-corpus.mjs   (from the repository root)
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');

// Deterministic PRNG (mulberry32) so a rebuild gives the same corpus.
let seed = 0x7011;
const random = () => {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const chars = (alphabet, n) => Array.from({ length: n }, () => pick(alphabet)).join('');
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = '0123456789abcdef';
const B64 = ALNUM + '+/';
const B64URL = ALNUM + '-_';
const b64url = (text) => Buffer.from(text).toString('base64url');

const generators = {
  'AWS Access Key': () => 'AKIA' + chars(UPPER + DIGITS, 16),
  'AWS Secret Key (keyword)': () => chars(B64, 40),
  'GitHub Token': () => pick(['ghp_', 'gho_', 'ghs_']) + chars(ALNUM, 36),
  'GitLab Token': () => 'glpat-' + chars(ALNUM + '-_', 20),
  'Slack Token': () => `xoxb-${chars(DIGITS, 12)}-${chars(DIGITS, 13)}-${chars(ALNUM, 24)}`,
  'Slack Webhook': () => `https://hooks.slack.com/services/T${chars(UPPER + DIGITS, 8)}/B${chars(UPPER + DIGITS, 10)}/${chars(ALNUM, 24)}`,
  'Stripe Access Key': () => pick(['sk_live_', 'rk_live_', 'sk_test_']) + chars(ALNUM, 24),
  'Twilio API Key': () => pick(['SK', 'AC']) + chars(HEX, 32),
  'SendGrid API Key': () => `SG.${chars(B64URL, 22)}.${chars(B64URL, 43)}`,
  'OpenAI Token': () => pick(['sk-proj-', 'sk-', 'sk-svcacct-']) + chars(ALNUM + '-_', 48),
  'Anthropic Token': () => 'sk-ant-api03-' + chars(ALNUM + '-_', 93) + 'AA',
  'JSON Web Token': () =>
    `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify({ sub: chars(DIGITS, 10), name: 'Jane Roe', iat: 1516239022 + Math.floor(random() * 1e6) }))}.${chars(B64URL, 43)}`,
  'Google API Key': () => 'AIza' + chars(ALNUM + '-_', 35),
  'Password (keyword)': () => pick(['Tr0ub4dor&3', 'hunter2!Secure', 'P@ssw0rd-2024', 'correct-horse-9', 'Zx81!spectrum', 'S3cure#Passw0rd']) + chars(DIGITS, 2),
  'Random token (entropy)': () => chars(ALNUM, 32),
};

const contexts = {
  'AWS Access Key': [
    'export AWS_ACCESS_KEY_ID=%s',
    'aws_access_key_id = %s',
    'my key is %s can you check why S3 says access denied?',
    '{"AccessKeyId": "%s", "Expiration": "2025-01-01T00:00:00Z"}',
    'the IAM user has key %s attached',
  ],
  'AWS Secret Key (keyword)': ['aws_secret_access_key = %s', 'AWS_SECRET_ACCESS_KEY=%s', 'secret_access_key: "%s"', 'const secretAccessKey = "%s";'],
  'GitHub Token': ['GITHUB_TOKEN: %s', 'git clone https://%s@github.com/acme/infra.git', 'Why does `gh auth login --with-token` reject %s?', 'token = "%s"'],
  'GitLab Token': ['curl --header "PRIVATE-TOKEN: %s" https://gitlab.example.com/api/v4/projects', 'GITLAB_TOKEN=%s', 'use %s for the runner'],
  'Slack Token': ['SLACK_BOT_TOKEN=%s', 'client = WebClient(token="%s")', 'the bot token %s stopped working'],
  'Slack Webhook': ['post alerts to %s', 'webhook_url: %s', 'curl -X POST -d \'{"text":"hi"}\' %s'],
  'Stripe Access Key': ['stripe.api_key = "%s"', 'STRIPE_SECRET_KEY=%s', 'const stripe = require("stripe")("%s");', 'charging with key %s fails with 401'],
  'Twilio API Key': ['TWILIO_API_KEY=%s', 'client = Client("%s", auth_token)', 'twilio sid %s'],
  'SendGrid API Key': ['SENDGRID_API_KEY=%s', 'sg = SendGridAPIClient("%s")', 'my sendgrid key %s returns 403'],
  'OpenAI Token': ['OPENAI_API_KEY=%s', 'client = OpenAI(api_key="%s")', 'is %s a valid key format?', 'curl https://api.openai.com/v1/models -H "Authorization: Bearer %s"'],
  'Anthropic Token': ['ANTHROPIC_API_KEY=%s', 'anthropic.Anthropic(api_key="%s")', 'key: %s'],
  'JSON Web Token': ['Authorization: Bearer %s', 'decode this jwt please: %s', 'localStorage.setItem("session", "%s")', 'id_token=%s'],
  'Google API Key': ['https://maps.googleapis.com/maps/api/geocode/json?address=Paris&key=%s', 'GOOGLE_API_KEY=%s', 'apiKey: "%s",'],
  'Password (keyword)': [
    'password = "%s"',
    'DB_PASSWORD=%s',
    '{"username": "admin", "password": "%s"}',
    'mysql -u root --password=%s',
    'spring.datasource.password=%s',
    "passwd: '%s'",
  ],
  'Random token (entropy)': ['the session id is %s and it expires tomorrow', 'use header X-Auth %s for the staging box', 'here is the value %s from vault'],
};

const positives = [];
for (const [type, generate] of Object.entries(generators)) {
  for (let i = 0; i < 8; i++) {
    const secret = generate();
    positives.push({ type, secret, text: pick(contexts[type]).replace('%s', secret) });
  }
}
for (const kind of ['RSA', 'EC', 'OPENSSH', '']) {
  for (let i = 0; i < 3; i++) {
    const body = Array.from({ length: 6 }, () => chars(B64, 64)).join('\n');
    const label = kind ? `${kind} PRIVATE KEY` : 'PRIVATE KEY';
    const secret = `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
    positives.push({ type: 'Private Key', secret, text: `here is the deploy key:\n${secret}\nplease add it to the server` });
  }
}
const urlCreds = [
  () => `postgres://app:${chars(ALNUM, 16)}@db.internal:5432/app`,
  () => `mongodb+srv://admin:${chars(ALNUM, 14)}@cluster0.abcde.mongodb.net/test`,
  () => `redis://default:${chars(ALNUM, 20)}@cache.example.com:6379`,
  () => `https://deploy:${chars(ALNUM, 18)}@registry.example.com/v2/`,
  () => `amqp://guest:${chars(ALNUM, 12)}@rabbit:5672/`,
];
for (let i = 0; i < 15; i++) {
  const url = pick(urlCreds)();
  const secret = url.slice(url.indexOf(':', url.indexOf('//')) + 1, url.indexOf('@'));
  positives.push({ type: 'Credentials in URL', secret, text: pick(['DATABASE_URL=%s', 'connect to %s', 'the connection string is "%s"']).replace('%s', url) });
}
writeFileSync(join(here, 'positive.jsonl'), positives.map((sample) => JSON.stringify(sample)).join('\n') + '\n');

// Negatives: prose lines from package READMEs (outside code fences) and code lines from package sources.
const readmes = ['typeorm', 'fastify', 'rxjs', 'class-validator', 'yaml', 'undici', 'ajv', 'openai', 'pg', 'semver', 'prom-client', 'passport-jwt'];
const prose = [];
for (const name of readmes) {
  const file = join(root, 'node_modules', name, 'README.md');
  if (!existsSync(file)) continue;
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim().startsWith('```')) fenced = !fenced;
    else if (!fenced && line.trim().length >= 40 && !line.includes('](http') && !line.startsWith('|')) prose.push(line.trim());
  }
}
const codeDirs = [
  'fastify/lib',
  'undici/lib/dispatcher',
  'undici/lib/core',
  'yaml/dist/parse',
  'yaml/dist/compose',
  'semver/classes',
  'pg/lib',
  'prom-client/lib',
  'ajv/dist/compile',
  'rxjs/dist/cjs/internal/operators',
];
const code = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path);
    else if (entry.endsWith('.js')) {
      for (const line of readFileSync(path, 'utf8').split('\n')) if (line.trim().length >= 30 && line.length <= 200) code.push(line.trim());
    }
  }
};
for (const dir of codeDirs) if (existsSync(join(root, 'node_modules', dir))) walk(join(root, 'node_modules', dir));
const sample = (list, n) => {
  const copy = [...new Set(list)];
  const out = [];
  while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(random() * copy.length), 1)[0]);
  return out;
};
// Hand-written hard cases: texts that talk about secrets, name them, or hold random-looking non-secrets.
const hard = [
  'Set the API key in your environment (OPENAI_API_KEY) before running the script.',
  'password: required',
  'The password must be at least 12 characters long and contain a digit.',
  'const token = await getToken();',
  'api_key = os.environ["OPENAI_API_KEY"]',
  'password=${DB_PASSWORD}',
  'apiKey: process.env.STRIPE_SECRET_KEY,',
  'token: <your-token-here>',
  'export GITHUB_TOKEN=your_token_here',
  'secret = config.secret',
  'if (password === undefined) throw new Error("password is required");',
  'Rotate the access key every 90 days and never commit it.',
  'commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 fixed the login bug',
  'sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  '"integrity": "sha512-Hk4lMzEPFtIxNgh2ZDvMB9ppwpbJyhZzAtYe6XtnV4WYgvyRs7XbSfbRJ2NVoEifjPnylBrXBdeUpLdcVnHHlw==",',
  'request id 550e8400-e29b-41d4-a716-446655440000 failed with 502',
  'The function getUserAccountSettingsByOrganizationId returns a promise.',
  'See https://github.com/nodejs/node/blob/main/doc/api/crypto.md for details.',
  'Use Authorization: Bearer <token> on every call.',
  'docker run -e POSTGRES_PASSWORD=postgres -p 5432:5432 postgres:16',
  'The JWT has three parts: header, payload and signature, separated by dots.',
  'AWS keys start with AKIA followed by sixteen characters.',
  'Call stripe.customers.create({ email }) and store the returned id.',
  'We use bcrypt with a cost factor of 12 to hash passwords.',
  'token_type: "bearer", expires_in: 3600',
  'The secret sauce of the recipe is a pinch of smoked paprika.',
  'ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL;',
  'passwordField.addEventListener("input", validatePasswordStrength);',
  'Forgot your password? Click the link we sent to your inbox.',
  'const base64 = Buffer.from(text).toString("base64");',
  'url: https://example.com/users/42/settings?tab=security',
  'mongodb://localhost:27017/test',
  'postgres://localhost:5432/app',
  'The client_secret is issued by the identity provider when you register the app.',
  'ENV NODE_ENV=production PORT=8080',
  'img src="data:image/png;base64,iVBORw0KGgo" alt="logo"',
  'Version 2.14.0 of the SDK renamed accessKeyId to credentials.accessKeyId.',
  'private_key_path: /etc/ssl/private/server.key',
  'The key "sk-..." shown in the docs is only a placeholder.',
  'Tokens are counted with tiktoken; gpt-4o uses the o200k_base encoding.',
];
const negatives = [
  ...sample(prose, 400).map((text) => ({ kind: 'prose', text })),
  ...sample(code, 600).map((text) => ({ kind: 'code', text })),
  ...hard.map((text) => ({ kind: 'hard', text })),
];
writeFileSync(join(here, 'negative.jsonl'), negatives.map((sample) => JSON.stringify(sample)).join('\n') + '\n');
console.log(`positive: ${positives.length}, negative: ${negatives.length} (prose ${prose.length} lines available, code ${code.length})`);
