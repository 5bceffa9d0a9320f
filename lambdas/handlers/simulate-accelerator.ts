import { stepLambda } from '../lib/step-handler.js';

export const handler = stepLambda('simulateAccelerator');
