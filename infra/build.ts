import { App } from 'aws-cdk-lib';
import { CosearchStack } from './stack.js';

export const STACK_NAME = 'Cosearch';

/** The app with its one stack; the local runner synthesizes this same app in-process. */
export function buildApp(app = new App()): { app: App; stack: CosearchStack } {
  const stack = new CosearchStack(app, STACK_NAME, {
    description: 'cosearch: joint network, hyper-parameter and accelerator search',
  });
  return { app, stack };
}
