// Public entry of the HTML report.
export { defaultLinks, renderReport } from './render.js';
export type * from './types.js';
