// The local runner must run the definition the CDK app synthesizes, every Task overridden.
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../core/store/file-store.js';
import { HANDLERS } from '../../infra/handlers.js';
import { STATE } from '../../infra/state-machine.js';
import { type LocalDefinition, localDefinition, taskStates } from '../../local/definition.js';
import { localHandlers, taskOverrides } from '../../local/runner.js';

let def: LocalDefinition;
beforeAll(() => {
  def = localDefinition();
});

describe('local definition', () => {
  it('is the template definition with intrinsics resolved, not a copy', () => {
    const sm = Object.values(def.template.Resources).find(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine',
    )!;
    const raw = sm.Properties!.DefinitionString as { 'Fn::Join': [string, unknown[]] };
    expect(raw['Fn::Join']).toBeDefined();
    // Only the function ARNs were substituted: the literal parts joined back give the same text.
    const literal = raw['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '@')).join('');
    const local = JSON.stringify(def.definition).replace(
      /arn:aws:lambda:us-east-1:000000000000:function:\w+/g,
      '@',
    );
    expect(JSON.parse(local)).toEqual(JSON.parse(literal));
  });

  it('has the states of the architecture, in JSONPath', () => {
    const names = new Set<string>();
    const walk = (states: Record<string, Record<string, unknown>>) => {
      for (const [n, s] of Object.entries(states)) {
        names.add(n);
        const body = s.ItemProcessor as { States: Record<string, Record<string, unknown>> } | undefined;
        if (body) walk(body.States);
      }
    };
    walk(def.definition.States);
    expect([...names].sort()).toEqual(Object.values(STATE).sort());
    expect(def.definition.StartAt).toBe(STATE.init);
    expect(JSON.stringify(def.definition)).not.toMatch(/JSONata|\{%/);
  });

  it('maps every Task to a handler, and every handler has a local override', () => {
    const tasks = Object.keys(taskStates(def.definition));
    expect(tasks.sort()).toEqual(
      [STATE.init, STATE.sample, STATE.simulate, STATE.train, STATE.update, STATE.finalize].sort(),
    );
    const overrides = taskOverrides(def, localHandlers({ store: new FileStore('/tmp/unused') }));
    expect(Object.keys(overrides).sort()).toEqual(tasks.sort());
    for (const h of Object.values(def.tasks)) expect(Object.keys(HANDLERS)).toContain(h);
  });

  it('fails loudly when a Task has no local handler', () => {
    expect(() => taskOverrides(def, {})).toThrow(/no local handler for Task/);
  });

  it('invokes Lambdas with payloadResponseOnly (the function ARN as the resource)', () => {
    for (const s of Object.values(taskStates(def.definition)))
      expect(String(s.Resource)).toMatch(/^arn:aws:lambda:[^:]+:\d+:function:/);
    Template.fromJSON(def.template as never).resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });
});
