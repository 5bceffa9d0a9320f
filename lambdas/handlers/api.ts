import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createApiHandler } from '../lib/api.js';
import { stepContext } from '../lib/context.js';

const sfn = new SFNClient({});

export const handler = createApiHandler({
  store: () => stepContext().store,
  starter: () => ({
    async start(searchId) {
      const arn = process.env.COSEARCH_STATE_MACHINE_ARN;
      if (!arn) throw new Error('COSEARCH_STATE_MACHINE_ARN is not set');
      // The execution is named after the search, so a retried POST cannot start it twice.
      const out = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: arn,
          name: searchId,
          input: JSON.stringify({ searchId }),
        }),
      );
      return out.executionArn ?? searchId;
    },
  }),
});
