// Bad spec texts, each with the one JSON path and message it must produce. Shared by the
// parser tests and the CLI tests, so both report the same thing.

export interface BadSpec {
  /** The bad-input category. */
  category: string;
  name: string;
  text: string;
  path: string;
  message: RegExp;
  /** Also run as a whole `cosearch validate` process (each costs ~0.7 s of CPU). */
  cli?: boolean;
}

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

export const BAD_SPECS: readonly BadSpec[] = [
  {
    category: 'malformed',
    name: 'truncated JSON',
    text: '{"strategy": ',
    path: '$',
    message: /not valid JSON/,
    cli: true,
  },
  {
    category: 'malformed',
    name: 'trailing comma',
    text: '{"name": "x",}',
    path: '$',
    message: /not valid JSON/,
  },
  {
    category: 'unknown field',
    name: 'unknown top-level field',
    text: '{"strategi": {}}',
    path: '$.strategi',
    message: /unknown field "strategi"/,
  },
  {
    category: 'unknown field',
    name: 'unknown nested field',
    text: '{"strategy": {"name": "ppo", "nme": 1}}',
    path: '$.strategy.nme',
    message: /unknown field "nme"/,
    cli: true,
  },
  {
    category: 'unknown field',
    name: 'unknown field in an accelerator template',
    text: '{"space": {"accelerator": {"template": "pe-array", "rows": [8]}}}',
    path: '$.space.accelerator.rows',
    message: /unknown field "rows"/,
  },
  {
    category: 'empty choice list',
    name: 'empty network choice list',
    text: '{"space": {"network": {"kernel": []}}}',
    path: '$.space.network.kernel',
    message: /must list at least one choice/,
  },
  {
    category: 'empty choice list',
    name: 'empty hyper-parameter choice list',
    text: '{"space": {"hyperparameters": {"learningRate": []}}}',
    path: '$.space.hyperparameters.learningRate',
    message: /must list at least one choice/,
  },
  {
    category: 'empty choice list',
    name: 'empty accelerator choice list',
    text: '{"space": {"accelerator": {"template": "systolic", "dataflow": []}}}',
    path: '$.space.accelerator.dataflow',
    message: /must list at least one choice/,
  },
  {
    category: 'batch size 0',
    name: 'strategy batch size 0',
    text: '{"strategy": {"batchSize": 0}}',
    path: '$.strategy.batchSize',
    message: />=1/,
  },
  {
    category: 'batch size 0',
    name: 'training batch size 0',
    text: '{"training": {"batchSize": 0}}',
    path: '$.training.batchSize',
    message: />=1/,
  },
  {
    category: 'fractional batch size',
    name: 'strategy batch size 1.5',
    text: '{"strategy": {"batchSize": 1.5}}',
    path: '$.strategy.batchSize',
    message: /expected int/,
  },
  {
    category: 'fractional batch size',
    name: 'hyper-parameter batch size choice 1.5',
    text: '{"space": {"hyperparameters": {"batchSize": [32, 1.5]}}}',
    path: '$.space.hyperparameters.batchSize[1]',
    message: /expected int/,
  },
  {
    category: 'number over its bound',
    name: 'strategy batch size 10^9',
    text: '{"strategy": {"batchSize": 1000000000}}',
    path: '$.strategy.batchSize',
    message: /<=10000/,
  },
  {
    category: 'number over its bound',
    name: '10^5 stages',
    text: '{"space": {"network": {"stages": 100000}}}',
    path: '$.space.network.stages',
    message: /<=8/,
  },
  {
    category: 'number over its bound',
    name: 'training batch size 10^9',
    text: '{"training": {"batchSize": 1e9}}',
    path: '$.training.batchSize',
    message: /<=4096/,
  },
  {
    category: 'number over its bound',
    name: 'seed past 2^31',
    text: '{"strategy": {"seed": 4294967296}}',
    path: '$.strategy.seed',
    message: /<=2147483647/,
  },
  {
    category: 'unknown strategy',
    name: 'unknown strategy',
    text: '{"strategy": {"name": "simulated-annealing"}}',
    path: '$.strategy.name',
    message: /expected one of "reinforce"\|"reinforce-lstm"\|"ppo"\|"random"\|"evolution"\|"autohas"/,
  },
  {
    category: 'unknown template',
    name: 'unknown accelerator template',
    text: '{"space": {"accelerator": {"template": "gpu"}}}',
    path: '$.space.accelerator.template',
    message: /unknown accelerator template: use "systolic" or "pe-array"/,
  },
  {
    category: 'unknown template',
    name: 'unknown network template',
    text: '{"space": {"network": {"template": "resnet"}}}',
    path: '$.space.network.template',
    message: /expected "mobile-cnn"/,
  },
  {
    category: 'dataset URI scheme',
    name: 'http dataset URI',
    text: '{"dataset": {"uri": "http://example.com/d.csv", "format": "csv", "shape": [8, 8, 1]}}',
    path: '$.dataset.uri',
    message: /unsupported dataset URI/,
  },
  {
    category: 'dataset URI scheme',
    name: 'gs dataset URI',
    text: '{"dataset": {"uri": "gs://bucket/d.csv", "format": "csv", "shape": [8, 8, 1]}}',
    path: '$.dataset.uri',
    message: /unsupported dataset URI/,
  },
  {
    category: 'non-object top',
    name: 'array top',
    text: '[{}]',
    path: '$',
    message: /must be a JSON object, got an array/,
  },
  { category: 'non-object top', name: 'null top', text: 'null', path: '$', message: /got null/ },
  { category: 'non-object top', name: 'number top', text: '42', path: '$', message: /got number/ },
  { category: 'non-object top', name: 'string top', text: '"spec"', path: '$', message: /got string/ },
  {
    category: '__proto__',
    name: 'top-level __proto__',
    text: '{"__proto__": {"polluted": true}}',
    path: '$.__proto__',
    message: /forbidden key "__proto__"/,
    cli: true,
  },
  {
    category: '__proto__',
    name: 'nested __proto__',
    text: '{"strategy": {"__proto__": {"batchSize": 0}}}',
    path: '$.strategy.__proto__',
    message: /forbidden key "__proto__"/,
  },
  {
    category: '__proto__',
    name: 'constructor key',
    text: '{"space": {"constructor": {"prototype": {}}}}',
    path: '$.space.constructor',
    message: /forbidden key "constructor"/,
  },
  {
    category: 'deep nesting',
    name: '40 levels of objects',
    text: nested(40),
    path: `$${'.a'.repeat(17)}`,
    message: /nesting deeper than 16 levels/,
  },
  {
    category: 'deep nesting',
    name: '100,000 levels of arrays inside a field',
    text: `{"name": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    path: `$.name${'[0]'.repeat(16)}`,
    message: /nesting deeper than 16 levels/,
  },
  {
    category: 'basis count < 2',
    name: 'one basis',
    text: '{"space": {"hyperparameters": {"learningRate": {"min": 0.001, "max": 0.1, "bases": 1}}}}',
    path: '$.space.hyperparameters.learningRate.bases',
    message: />=2/,
  },
  {
    category: 'min >= max',
    name: 'min equal to max',
    text: '{"space": {"hyperparameters": {"learningRate": {"min": 0.1, "max": 0.1, "bases": 3}}}}',
    path: '$.space.hyperparameters.learningRate.min',
    message: /min must be below max/,
  },
  {
    category: 'min >= max',
    name: 'min above max',
    text: '{"space": {"hyperparameters": {"weightDecay": {"min": 0.01, "max": 0.001, "bases": 3}}}}',
    path: '$.space.hyperparameters.weightDecay.min',
    message: /min must be below max/,
  },
  {
    category: 'duplicate choices',
    name: 'a choice listed twice',
    text: '{"space": {"network": {"kernel": [3, 5, 3]}}}',
    path: '$.space.network.kernel',
    message: /choices must be distinct/,
  },
  {
    category: 'wrong type',
    name: 'learning rate given as a string',
    text: '{"space": {"hyperparameters": {"learningRate": "fast"}}}',
    path: '$.space.hyperparameters.learningRate',
    message: /expected a list of values or \{min, max, bases/,
  },
  {
    category: 'too large',
    name: 'a text over 1 MB',
    text: `{"name": "${'x'.repeat(1_000_001)}"}`,
    path: '$',
    message: /larger than 1000000 bytes/,
  },
];
