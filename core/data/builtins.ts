// What is known of each built-in dataset before reading it (pure data: the spec schema and the
// cost model use it without touching the disk). Where the files are: core/data/builtin-files.ts.

export interface BuiltinDataset {
  shape: [number, number, number];
  numClasses: number;
  /** Examples in the file that is split into train and validation. */
  trainExamples: number;
  /** Examples in the dataset's own test file, absent when the test split is carved from the data. */
  testExamples?: number;
}

export const BUILTIN_DATASETS: Readonly<Record<string, BuiltinDataset>> = {
  'builtin:digits': { shape: [8, 8, 1], numClasses: 10, trainExamples: 1797 },
  'builtin:fashion-mnist': {
    shape: [28, 28, 1],
    numClasses: 10,
    trainExamples: 60_000,
    testExamples: 10_000,
  },
};

export function builtinDataset(uri: string): BuiltinDataset | undefined {
  return Object.hasOwn(BUILTIN_DATASETS, uri) ? BUILTIN_DATASETS[uri] : undefined;
}
