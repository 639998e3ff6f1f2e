/** Architecture rules: no import cycles, no deep imports across packages, imports run apps -> task -> core. */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      // The generated gRPC types are type-only imports of a recursive schema (google.protobuf.Value holds a
      // Struct and a ListValue, which hold Values): a cycle by nature, gone at run time.
      from: { pathNot: '^apps/api/src/grpc/generated/' },
      to: { circular: true },
    },
    {
      name: 'no-deep-workspace-imports',
      comment:
        'Import another workspace package by its name (and its exports), never a file inside it by a relative path.',
      severity: 'error',
      from: { path: '^(packages|apps|tests|bench)/([^/]+)/' },
      to: {
        path: '^(packages|apps|tests|bench)/([^/]+)/',
        pathNot: '^(packages|apps|tests|bench)/$2/',
        dependencyTypes: ['local'],
      },
    },
    {
      name: 'core-stays-low',
      comment: 'packages/core knows nothing of tasks or apps.',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: {
        path: '(^packages/(task|history)/|^apps/|node_modules/@tq/(task|history|api|worker|reaper|archiver))',
      },
    },
    {
      name: 'history-below-apps',
      comment: 'packages/history (PostgreSQL) sits beside task, on core: the API and the archiver load it.',
      severity: 'error',
      from: { path: '^packages/history/' },
      to: { path: '(^packages/task/|^apps/|node_modules/@tq/(task|api|worker|reaper|archiver))' },
    },
    {
      name: 'task-below-apps',
      severity: 'error',
      from: { path: '^packages/task/' },
      to: { path: '(^apps/|^packages/history/|node_modules/@tq/(history|api|worker|reaper|archiver))' },
    },
    {
      name: 'apps-do-not-import-apps',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '(^apps/|node_modules/@tq/(api|worker|reaper|archiver))', pathNot: '^apps/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(dist|node_modules|\\.turbo)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
