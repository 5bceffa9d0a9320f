import type { ConvShape } from './layer.js';
import type { SystolicArray, SystolicLayerResult } from './result.js';

export function exactLayer(_l: ConvShape, _a: SystolicArray): SystolicLayerResult {
  throw new Error('the exact systolic tier is not built yet');
}
