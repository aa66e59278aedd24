// @swc/jest keeps the suite fast on a 2-core machine; decorator metadata is needed by Nest DI and class-validator.
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

// NestJS 12 ships ES modules only; Jest's CommonJS runtime needs them compiled (Node 20 has no require(esm) in Jest).
const esmPackages = [
  'kubernetes-models',
  '@kubernetes-models',
  'ajv-formats-draft2019',
  'is-cidr',
  'cidr-regex',
  'ip-regex',
  'content-disposition',
  'cookie',
  '@nestjs',
  'file-type',
  'strtok3',
  'token-types',
  'peek-readable',
  'uint8array-extras',
  '@tokenizer',
  'load-esm',
];

const common = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json', 'mjs'],
  testEnvironment: 'node',
  // The guardrail SDK from its sources, so unit tests need no build (plugins loaded at run time by the
  // registry are real packages and go through Node's own resolution).
  moduleNameMapper: {
    '^@tollgate/guardrail-sdk$': '<rootDir>/plugins/sdk/src/index.ts',
    '^@tollgate/guardrail-sdk/testing$': '<rootDir>/plugins/sdk/src/testing/index.ts',
  },
};

// kubernetes-models (the deployment spec's Kubernetes schemas) exports ES modules under "import" only; Jest resolves
// with "require", so its entry points are mapped to their files here (and compiled like the packages above).
const kubernetesModels = {
  '^kubernetes-models/(.+)$': '<rootDir>/node_modules/kubernetes-models/$1.js',
  '^@kubernetes-models/base$': '<rootDir>/node_modules/@kubernetes-models/base/dist/index.js',
  '^@kubernetes-models/validate$': '<rootDir>/node_modules/@kubernetes-models/validate/dist/index.js',
  '^@kubernetes-models/apimachinery/_schemas/(.+)$': '<rootDir>/node_modules/@kubernetes-models/apimachinery/_schemas/$1.js',
};

module.exports = {
  // Only e2e suites come near this: they boot the app on a real (embedded) PostgreSQL.
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/src', '<rootDir>/plugins', '<rootDir>/deploy'],
      testMatch: ['**/*.spec.ts'],
      moduleNameMapper: { ...common.moduleNameMapper, ...kubernetesModels },
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
