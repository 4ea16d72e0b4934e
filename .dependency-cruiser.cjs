// Layering of lib/ (`npm run lint:layers`, run by .ci/run): each folder may import only the
// folders below it, and no module may take part in an import cycle. From the bottom up:
const LAYERS = [
  ['errors'],
  ['common'],
  ['resilience'],
  ['messaging'],
  ['registry', 'quotas'],
  ['runtime'],
  ['client'],
  ['nest'],
  ['testing', 'cli'],
];

const folder = (names) => `^lib/(${names.join('|')})/`;

/** One rule per layer: nothing in it imports a layer above it. */
const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.join('-')}`,
  comment: `lib/{${layer.join(',')}} sits below ${LAYERS.slice(index + 1)
    .flat()
    .join(', ')} and must not import them`,
  severity: 'error',
  from: { path: folder(layer) },
  to: {
    path: folder(LAYERS.slice(index + 1).flat()),
    // A type used only in a signature (an agent id in an error) leaves no import at run time.
    dependencyTypesNot: ['type-only'],
  },
}));

/** Folders of one layer do not import each other either. */
const siblingRules = LAYERS.filter((layer) => layer.length > 1).flatMap((layer) =>
  layer.map((name) => ({
    name: `sibling-${name}`,
    comment: `lib/${name} and ${layer.filter((other) => other !== name).join(', ')} are one layer`,
    severity: 'error',
    from: { path: folder([name]) },
    to: { path: folder(layer.filter((other) => other !== name)) },
  })),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no module of lib/ may import itself through others',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    ...siblingRules,
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^lib/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
