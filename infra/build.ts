import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readContext } from './config.js';
import { suppressNagFindings } from './nag.js';
import { CosearchStack } from './stack.js';

export const STACK_NAME = 'Cosearch';

/**
 * The app with its one stack; the local runner synthesizes this same app in-process.
 * cdk-nag's AwsSolutions checks run at synth unless context `cosearch:nag` is false
 * (the local runner turns them off: it only needs the definition).
 */
export function buildApp(app = new App()): { app: App; stack: CosearchStack } {
  const stack = new CosearchStack(app, STACK_NAME, {
    description: 'cosearch: joint network, hyper-parameter and accelerator search',
  });
  if (readContext(app.node).nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
    suppressNagFindings(stack, stack.loopFunctions);
  }
  return { app, stack };
}
