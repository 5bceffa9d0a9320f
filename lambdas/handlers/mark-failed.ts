import { stepHandler } from '../lib/step-handler.js';
import { STEPS } from '../lib/steps-table.js';

export const handler = stepHandler(STEPS.markFailed.event, STEPS.markFailed.step);
