/**
 * The house rules (docs/architecture.md), checked by `npm run lint` (lint:deps):
 * the folder tree is the architecture; see the `comment` of each rule.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        "No import cycles, within or between workspaces. A lazy `await import()` that closes a loop (an engine chosen at run time importing its parent's helpers) is not a load-order hazard and is allowed.",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['dynamic-import'] } },
    },
    {
      name: 'services-do-not-import-each-other',
      severity: 'error',
      comment: 'Services talk through Kafka and queues, never by importing one another.',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'services-import-only-libs',
      severity: 'error',
      comment: 'A service is wiring plus adapters over libs/: never tools, scripts, bench or tests.',
      from: { path: '^services/' },
      to: { path: '^(tools|scripts|bench|tests)/' },
    },
    {
      name: 'libs-import-only-libs',
      severity: 'error',
      comment: 'Libraries never reach into services, tools, scripts, bench or tests.',
      from: { path: '^libs/' },
      to: { path: '^(services|tools|scripts|bench|tests)/' },
    },
    {
      name: 'nothing-imports-service-internals',
      severity: 'error',
      comment: 'scripts, bench, tools and tests import libraries; they run a service as a process.',
      from: { path: '^(scripts|bench|tools|tests)/' },
      to: { path: '^services/' },
    },
    {
      name: 'stages-are-pure',
      severity: 'error',
      comment: 'Stage logic does no I/O: no file system, processes, sockets, Kafka, Redis, BullMQ or HTTP server.',
      from: { path: '^libs/stages/[^/]+/src/', pathNot: '\\.test\\.ts$' },
      to: {
        path: [
          '^(node:)?(fs|fs/promises|child_process|net|http|https|dgram|worker_threads|cluster)$',
          'node_modules/(kafkajs|ioredis|bullmq|fastify|undici)/',
          '^libs/shared/src/(kafka|redis|bullmq|ops|json-file|service|lifecycle)\\.ts$',
        ],
      },
    },
    {
      name: 'stages-use-no-adapters-or-pipeline',
      severity: 'error',
      comment: 'A stage takes its collaborators as arguments: it imports no pipeline, testkit or model-loading code.',
      from: { path: '^libs/stages/[^/]+/src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^libs/(pipeline|testkit)/' },
    },
    {
      name: 'testkit-only-in-tests-and-tools',
      severity: 'error',
      comment: 'libs/testkit (start-and-wait, infra, shared-data paths) serves tests, bench and scripts, never product code.',
      from: { path: '^(libs|services)/', pathNot: ['^libs/testkit/', '\\.test\\.ts$'] },
      to: { path: '^libs/testkit/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)node_modules/', '^\\.cache/', '^test-output/', '^demo/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    preserveSymlinks: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.json'],
    },
    reporterOptions: {
      archi: {
        collapsePattern: '^(libs/stages/[^/]+|libs/[^/]+|services/[^/]+|tools/[^/]+|scripts|bench|tests)/',
        filters: { includeOnly: { path: '^(libs|services|tools|scripts|bench|tests)/' } },
        theme: {
          graph: { rankdir: 'LR', splines: 'ortho', fontname: 'Helvetica' },
          modules: [
            { criteria: { source: '^services/' }, attributes: { fillcolor: '#ffd9b3' } },
            { criteria: { source: '^libs/stages/' }, attributes: { fillcolor: '#c6e5ff' } },
            { criteria: { source: '^libs/' }, attributes: { fillcolor: '#d9f2d9' } },
            { criteria: { source: '^tools/' }, attributes: { fillcolor: '#eeeeee' } },
          ],
        },
      },
      dot: {
        collapsePattern: '^(libs/stages/[^/]+|libs/[^/]+|services/[^/]+|tools/[^/]+|scripts|bench|tests|node_modules/(@[^/]+/)?[^/]+)',
      },
    },
  },
};
