// The pe-array template: its simulator (pe-array.ts) and its design files (pe-array-io.ts), joined
// here so neither of those imports the other.
import type { PeArrayConfig } from '../space/types.js';
import { peArrayArea, simulatePeArray } from './pe-array.js';
import { peArrayDesignFiles } from './pe-array-io.js';
import type { AcceleratorTemplate } from './types.js';

export const peArrayTemplate: AcceleratorTemplate<PeArrayConfig> = {
  name: 'pe-array',
  area: (c) => peArrayArea(c),
  simulate: (network, c, tier) => simulatePeArray(network, c, tier),
  exportFiles: (c, runName, run, tech) => peArrayDesignFiles(c, runName, run, tech),
};
