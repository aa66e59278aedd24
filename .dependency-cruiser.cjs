// The module arrows of DESIGN.md ("Module dependencies (one direction)", "The request path", "Module contracts",
// "Guardrail packages"), checked by `npm run lint` (depcruise) and by src/module-graph.spec.ts in `npm test`.
//
// What is cruised: src, plugins and migrations, with type-only imports (a type import couples folders as much as a
// value import). Tests are exempt from every rule, so not cruised: the e2e tree test/ imports the whole app, and
// src's unit specs borrow fixtures across modules (test/support, the pipeline's guardrail text adapters in
// src/guardrails/guardrail-call.spec.ts), which would close folder cycles that the shipped code does not have.
// The plugins' specs are cruised: a guardrail package's tests run with the SDK alone, like the package.
//
// Folder patterns: an "edge" is src/gateway (the OpenAI-compatible edges, media included), src/pass-through,
// src/messages (Anthropic's Messages API) or src/responses (OpenAI's Responses API);
// "app wiring" is the files directly in src/ (app.module.ts, app.factory.ts, main.ts).
const EDGES = '^src/(gateway|pass-through|messages|responses)/';
const APP_WIRING = '^src/[^/]+$';
// A local file (ours, not an npm package or a node built-in).
const LOCAL = '^(src|plugins|migrations|test)/';

module.exports = {
  forbidden: [
    {
      name: 'ui-is-only-a-client',
      comment:
        'The admin UI (ui/) is a browser app that talks to the gateway over HTTP, typed by the generated ' +
        'ui/src/api/schema.d.ts: it imports nothing from src/, plugins/ or migrations/ (and src/ nothing from ui/).',
      severity: 'error',
      from: { path: '^ui/' },
      to: { path: '^(src|plugins|migrations|test)/' },
    },
    {
      name: 'gateway-never-imports-the-ui',
      comment: 'src/ui serves the built files of ui/dist; no gateway code imports the UI sources.',
      severity: 'error',
      from: { path: '^(src|plugins|migrations)/' },
      to: { path: '^ui/' },
    },
    {
      name: 'plugins-see-only-the-sdk',
      comment:
        'DESIGN, Guardrail packages and Module contracts/Guardrails: "every guardrail is its own package under plugins/ ' +
        'depending only on the SDK". A guardrail package (specs included) imports @tollgate/guardrail-sdk, node ' +
        "built-ins, its own files and the npm packages its own package.json declares (a vendor's request signer), " +
        'specs also its devDependencies; nothing from src/.',
      severity: 'error',
      from: { path: '^plugins/(guardrail-[^/]+)/', pathNot: '[.]spec[.]ts$' },
      to: { pathNot: ['^plugins/sdk/', '^plugins/$1/'], dependencyTypesNot: ['core', 'npm'] },
    },
    {
      name: 'plugin-specs-see-only-the-sdk-and-declared-packages',
      comment: "As plugins-see-only-the-sdk, for a guardrail package's specs: its devDependencies as well.",
      severity: 'error',
      from: { path: '^plugins/(guardrail-[^/]+)/.+[.]spec[.]ts$' },
      to: { pathNot: ['^plugins/sdk/', '^plugins/$1/'], dependencyTypesNot: ['core', 'npm', 'npm-dev'] },
    },
    {
      name: 'sdk-stands-alone',
      comment:
        'DESIGN, Module contracts/Guardrails: plugins/sdk is "the small published contract" (@tollgate/guardrail-sdk). ' +
        'It imports nothing from src/ or the plugins, and, having no dependencies in its package.json, no npm ' +
        'package either: node built-ins and its own files only.',
      severity: 'error',
      from: { path: '^plugins/sdk/' },
      to: { pathNot: '^plugins/sdk/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'domain-never-sees-the-edge',
      comment:
        'DESIGN, The request path 3 and Module dependencies: "Edges (gateway, media, pass-through, messages, ' +
        'responses) -> the call pipeline -> ...": arrows point away from the edges, so nothing but another edge and ' +
        'the app wiring imports src/gateway or src/pass-through.',
      severity: 'error',
      from: { path: '^src/', pathNot: [EDGES, APP_WIRING] },
      to: { path: EDGES },
    },
    {
      name: 'only-edges-call-the-pipeline',
      comment:
        'DESIGN, The request path 3: "a thin edge ... hands it to the one call pipeline". Only the edges (and the app ' +
        'wiring) import src/pipeline; the modules the pipeline calls never call back into it.',
      severity: 'error',
      from: { path: '^src/', pathNot: [EDGES, APP_WIRING, '^src/pipeline/'] },
      to: { path: '^src/pipeline/' },
    },
    {
      name: 'routing-knows-no-policy',
      comment:
        'DESIGN, Module dependencies: "routing -> secrets, store (cooldowns, usage), the price/context-window ' +
        'catalog". The router picks and calls a deployment; guardrails, limits, spend and the pipeline sit above it.',
      severity: 'error',
      from: { path: '^src/routing/' },
      to: { path: '^src/(guardrails|limits|spend|pipeline)/' },
    },
    {
      name: 'store-knows-no-policy',
      comment:
        'DESIGN, Module dependencies: "src/store holds every counter that must be shared across instances ... behind ' +
        'one contract" and the policy (limits, budgets) sits on top of it. The store imports src/common, src/config ' +
        'and npm packages, nothing else of ours.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: LOCAL, pathNot: '^src/(store|common|config)/' },
    },
    {
      name: 'limits-take-subjects',
      comment: 'DESIGN, Module dependencies: "limits -> store (it takes subjects, it imports no domain module)". Limits import ' + 'src/store, src/common and src/config only.',
      severity: 'error',
      from: { path: '^src/limits/' },
      to: { path: LOCAL, pathNot: '^src/(limits|store|common|config)/' },
    },
    {
      name: 'catalog-is-a-leaf',
      comment:
        'DESIGN, Module dependencies: routing, spend and the pipeline read "the price/context-window catalog"; it ' +
        'reads nobody: src/catalog imports src/common and src/config only.',
      severity: 'error',
      from: { path: '^src/catalog/' },
      to: { path: LOCAL, pathNot: '^src/(catalog|common|config)/' },
    },
    {
      name: 'common-imports-no-feature',
      comment:
        'DESIGN, Module dependencies: the caller/access contract and the shared pieces live in src/common so that ' +
        '"folders form no cycle"; common is the bottom layer and imports no other folder of ours.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: LOCAL, pathNot: '^src/common/' },
    },
    {
      name: 'config-imports-only-common',
      comment: 'DESIGN, Module contracts/Config and Module dependencies ("secrets -> raw config"): config is read by every ' + 'module and reads only src/common.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: LOCAL, pathNot: '^src/(config|common)/' },
    },
    {
      name: 'no-folder-cycles',
      comment:
        'DESIGN, Module dependencies: "No folder cycles; CI checks these arrows". Checked between the folders of ' +
        'src/ (each with everything under it), nested folders included.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { path: '^src/', circular: true },
    },
    {
      name: 'no-file-cycles',
      comment: 'No circular imports between files either (they make load order matter and Nest providers undefined).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency; the rules above cannot see past it.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^test/', '^src/.+\\.spec\\.ts$', '^dist/', '^plugins/[^/]+/dist/'] },
    // Resolves @tollgate/guardrail-sdk to plugins/sdk/src through the root tsconfig's paths.
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
