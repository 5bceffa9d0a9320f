// The local runner must run the definition the CDK app synthesizes, every Task overridden.
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../core/store/file-store.js';
import { HANDLERS } from '../../infra/handlers.js';
import { AT_SCALE_SUFFIX, CHILD_TIMEOUT_SECONDS, STATE } from '../../infra/state-machine.js';
import { type LocalDefinition, lambdaArn, localDefinition, taskStates } from '../../local/definition.js';
import {
  type LocalHandler,
  localHandlers,
  NO_TIMEOUT_SECONDS,
  taskOverrides,
  withoutDefaultTimeouts,
} from '../../local/runner.js';

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
    // Only intrinsics were substituted (function ARNs, the bucket name, the pseudo-parameters of
    // the loop's own ARN): the literal parts joined back give the same text.
    const literal = raw['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '@')).join('');
    const local = JSON.stringify(def.definition)
      .replace(/arn:aws:lambda:us-east-1:000000000000:function:\w+/g, '@')
      .replace(/"Bucket":"Searches\w+"/g, '"Bucket":"@"')
      .replace(/arn:aws:states:us-east-1:000000000000:/g, 'arn:@:states:@:@:')
      .replace(/arn:aws:states:::/g, 'arn:@:states:::');
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
    const perChild = [
      STATE.simulate,
      STATE.feasible,
      STATE.train,
      STATE.trainMore,
      STATE.trained,
      STATE.infeasible,
      STATE.childFailed,
    ];
    expect([...names].sort()).toEqual(
      [...Object.values(STATE), ...perChild.map((n) => `${n}${AT_SCALE_SUFFIX}`)].sort(),
    );
    expect(def.definition.StartAt).toBe(STATE.init);
    expect(JSON.stringify(def.definition)).not.toMatch(/JSONata|\{%/);
  });

  it('maps every Lambda Task to a handler, and every handler has a local override', () => {
    const tasks = Object.keys(taskStates(def.definition));
    const lambdaTasks = [
      STATE.init,
      STATE.supernet,
      STATE.sample,
      STATE.simulate,
      STATE.train,
      STATE.update,
      STATE.finalize,
      STATE.markFailed,
    ];
    expect(Object.keys(def.tasks).sort()).toEqual(
      [...lambdaTasks, `${STATE.simulate}${AT_SCALE_SUFFIX}`, `${STATE.train}${AT_SCALE_SUFFIX}`].sort(),
    );
    expect(def.continueAsNew).toEqual([STATE.continueAsNew]);
    expect(tasks.sort()).toEqual([...Object.keys(def.tasks), ...def.continueAsNew].sort());
    const overrides = taskOverrides(def, localHandlers({ store: new FileStore('/tmp/unused') }));
    expect(Object.keys(overrides).sort()).toEqual(Object.keys(def.tasks).sort());
    for (const h of Object.values(def.tasks)) expect(Object.keys(HANDLERS)).toContain(h);
  });

  it("bounds each Lambda Task by its function's timeout, not the local runtime's 60 s default", () => {
    // Function ARN -> the Timeout the template gives it.
    const timeoutOf = new Map(
      Object.entries(def.template.Resources)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
        .map(([id, r]) => [lambdaArn(id), r.Properties?.Timeout]),
    );
    const states = taskStates(def.definition);
    for (const name of Object.keys(def.tasks)) {
      const t = timeoutOf.get(String(states[name]!.Resource));
      expect([name, def.timeouts[name]]).toEqual([name, t]);
    }
    expect(def.timeouts[STATE.train]).toBe(CHILD_TIMEOUT_SECONDS);
    expect(CHILD_TIMEOUT_SECONDS).toBeGreaterThan(60);
    // The definition sets no TimeoutSeconds (Step Functions needs none); the local copy gives every
    // Task one so large that aws-local-stepfunctions' 60 s default never applies (and that a
    // Node timer can still hold: past 2^31 - 1 ms it would fire at once).
    expect(NO_TIMEOUT_SECONDS * 1000).toBeLessThan(2 ** 31);
    expect(NO_TIMEOUT_SECONDS).toBeGreaterThan(7 * 86_400);
    const local = taskStates(withoutDefaultTimeouts(def.definition));
    for (const [name, s] of Object.entries(states)) {
      expect(s.TimeoutSeconds).toBeUndefined();
      expect([name, local[name]!.TimeoutSeconds]).toEqual([name, NO_TIMEOUT_SECONDS]);
    }
  });

  it('a Task past its timeout fails with a cause that names it', async () => {
    const slow: LocalHandler = () => new Promise((r) => setTimeout(() => r({}), 1_000));
    const overrides = taskOverrides(
      { ...def, timeouts: { ...def.timeouts, [STATE.train]: 0.05 } },
      { ...localHandlers({ store: new FileStore('/tmp/unused') }), trainChild: slow },
    );
    await expect(overrides[STATE.train]!({})).rejects.toMatchObject({
      name: 'States.Timeout',
      message: `${STATE.train} ran past its function's timeout of 0.05 s`,
    });
    // A handler that times itself (a worker pool, from when a worker takes the job) is left alone.
    const own = taskOverrides(
      { ...def, timeouts: { ...def.timeouts, [STATE.train]: 0.05 } },
      { ...localHandlers({ store: new FileStore('/tmp/unused') }), trainChild: async () => 'done' },
      new Set(['trainChild']),
    );
    const late: LocalHandler = () => new Promise((r) => setTimeout(() => r('late'), 200));
    expect(await own[STATE.train]!({})).toBe('done');
    const ownLate = taskOverrides(
      { ...def, timeouts: { ...def.timeouts, [STATE.train]: 0.05 } },
      { ...localHandlers({ store: new FileStore('/tmp/unused') }), trainChild: late },
      new Set(['trainChild']),
    );
    expect(await ownLate[STATE.train]!({})).toBe('late');
  });

  it('fails loudly when a Task has no local handler', () => {
    expect(() => taskOverrides(def, {})).toThrow(/no local handler for Task/);
  });

  it('invokes Lambdas with payloadResponseOnly (the function ARN as the resource)', () => {
    for (const [name, s] of Object.entries(taskStates(def.definition)))
      if (!def.continueAsNew.includes(name))
        expect(String(s.Resource)).toMatch(/^arn:aws:lambda:[^:]+:\d+:function:/);
    Template.fromJSON(def.template as never).resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });
});
