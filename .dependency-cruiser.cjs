/**
 * Import rules for the whole repository, checked by `npm run check:deps` (part of `npm run check`).
 * Type-only imports count (`tsPreCompilationDeps`): a cycle through types is still a cycle a
 * reader has to untangle. The layers are drawn in docs/architecture.md.
 * @type {import('dependency-cruiser').IConfiguration}
 */

/** Tests, test kits, benches and scripts: free to reach into any part they exercise. */
const harness = '(\\.test\\.ts$|\\.config\\.mts$|/testing/|^backends/conformance/|^test/|^bench/|^scripts/)';
/** Files of the composition root: the only ones that see every part of the Worker. */
const workerRoot = '^worker/(index|edge-worker|app)\\.ts$|^worker/worker-configuration\\.d\\.ts$';
/** Durable Object classes (each in its feature folder). */
const durableObjects =
  '^worker/(fleet/fleet-registry|tenants/tenant-directory|jobs/job-object|jobs/waiting-room)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'routing-is-pure',
      severity: 'error',
      comment: 'worker/routing is pure (the simulator runs it): only itself and shared/.',
      from: { path: '^worker/routing/', pathNot: harness },
      to: { pathNot: '^(worker/routing/|shared/)' },
    },
    {
      name: 'shared-stands-alone',
      severity: 'error',
      comment: 'shared/ holds the wire contracts every part uses; it uses no part.',
      from: { path: '^shared/' },
      to: { path: '^(worker|backends|gpu-node|sdk|bench|test|scripts)/' },
    },
    {
      name: 'backends-below-the-edge',
      severity: 'error',
      comment: 'Adapters depend on shared/ only; the Worker depends on them.',
      from: { path: '^backends/' },
      to: { path: '^(worker|gpu-node|sdk|bench|scripts)/' },
    },
    {
      name: 'gpu-node-stands-alone',
      severity: 'error',
      comment: 'gpu-node runs on GPU hosts: shared/ only, never the edge or the SDK.',
      from: { path: '^gpu-node/' },
      to: { path: '^(worker|backends|sdk)/' },
    },
    {
      name: 'sdk-zero-dependency',
      severity: 'error',
      comment: 'The app SDK ships alone: no package, no other part (its tests may check contracts).',
      from: { path: '^sdk/', pathNot: harness },
      to: { pathNot: '^sdk/' },
    },
    {
      name: 'worker-is-private',
      severity: 'error',
      comment: 'Nothing imports the Worker except tests and benches.',
      from: { pathNot: '^(worker|test|bench)/' },
      to: { path: '^worker/' },
    },
    {
      name: 'worker-runs-on-workers',
      severity: 'error',
      comment: 'The Worker bundle never pulls in Node-only modules or gpu-node.',
      from: { path: '^worker/', pathNot: harness },
      to: { dependencyTypes: ['core'], pathNot: '^cloudflare:' },
    },
    {
      name: 'worker-not-gpu-node',
      severity: 'error',
      from: { path: '^worker/' },
      to: { path: '^gpu-node/' },
    },
    {
      name: 'jose-in-security-folders',
      severity: 'error',
      comment: 'JWT code lives in the audited security folders (worker/auth, gpu-node/security).',
      from: { pathNot: `(^worker/auth/|^gpu-node/security/|${harness})` },
      to: { path: '(^|/)node_modules/jose/' },
    },
    {
      name: 'test-kits-stay-out-of-product',
      severity: 'error',
      comment: 'Product code never imports a test kit (testing/ folders, test/, the conformance suite).',
      from: { pathNot: harness },
      to: { path: '(/testing/|^test/|^backends/conformance/)' },
    },
    {
      name: 'composition-root-on-top',
      severity: 'error',
      comment: 'Only the composition root (and tests, benches) builds or sees the whole app.',
      from: { pathNot: `(${workerRoot}|${harness})` },
      to: { path: workerRoot },
    },
    {
      name: 'routes-only-from-the-app',
      severity: 'error',
      comment: 'Route modules are mounted by createApp; nothing below the routes depends on one.',
      from: { pathNot: `(^worker/app\\.ts$|${harness})` },
      to: { path: '^worker/.+-routes\\.ts$' },
    },
    {
      name: 'request-context-only-in-routes',
      severity: 'error',
      comment: 'Services, objects and the core never see a request context (AppEnv).',
      from: { pathNot: `(-routes\\.ts$|^worker/middleware/|${workerRoot}|${harness})` },
      to: { path: '^worker/app-env\\.ts$' },
    },
    {
      name: 'objects-below-services',
      severity: 'error',
      comment: 'Durable Object classes use the core, never the services or routes above them.',
      from: { path: durableObjects },
      to: {
        path: '^worker/(dispatch|generations|admin|middleware|openapi)/|job-consumer\\.ts$|^worker/edge-deps\\.ts$',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.mts', '.d.ts', '.js', '.mjs', '.json'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
