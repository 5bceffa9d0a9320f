// A spec's space as an ordered list of decisions, and the map between token sequences and
// candidates. Token i is an index into decisions[i].choices.
import { hashOf } from '../hash.js';
import { ARCH_DEFAULTS } from '../network/mobile-cnn.js';
import type { Rng } from '../rng.js';
import type { SearchSpec } from '../spec/schema.js';
import { numericChoices } from './bases.js';
import { stageChoices } from './stage-choices.js';
import type {
  AcceleratorConfig,
  Candidate,
  Decision,
  DecisionValue,
  Hyperparameters,
  NetworkArch,
  StageArch,
} from './types.js';

export const STAGE_FIELDS = [
  'block',
  'kernel',
  'expansion',
  'filters',
  'layers',
  'squeezeExcite',
  'stride',
] as const;

/** Stem and width fields a network space decides only when it lists them, in encoding order. */
const OPTIONAL_NETWORK = ['stemKernel', 'stemStride', 'widthMultiplier'] as const;

/** Recipe hyper-parameters a space may decide, in encoding order. */
const RECIPE_HP = ['schedule', 'warmupFraction', 'labelSmoothing', 'dropout', 'augment'] as const;

export class SearchSpace {
  readonly decisions: readonly Decision[];
  private readonly index: ReadonlyMap<string, number>;

  constructor(readonly spec: SearchSpec) {
    this.decisions = buildDecisions(spec);
    this.index = new Map(this.decisions.map((d, i) => [d.name, i]));
  }

  /** Number of choices per decision: all a strategy needs to know about the space. */
  get cardinalities(): number[] {
    return this.decisions.map((d) => d.choices.length);
  }

  /** log10 of the number of distinct token sequences. */
  get log10Size(): number {
    return this.decisions.reduce((s, d) => s + Math.log10(d.choices.length), 0);
  }

  indexOf(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`unknown decision ${name}`);
    return i;
  }

  validateTokens(tokens: readonly number[]): void {
    if (tokens.length !== this.decisions.length)
      throw new Error(`expected ${this.decisions.length} tokens, got ${tokens.length}`);
    tokens.forEach((t, i) => {
      const n = this.decisions[i]!.choices.length;
      if (!Number.isInteger(t) || t < 0 || t >= n)
        throw new Error(`token ${t} out of range for ${this.decisions[i]!.name} (${n} choices)`);
    });
  }

  /** Inactive decisions (no effect on the candidate) are reset to token 0. */
  canonicalize(tokens: readonly number[]): number[] {
    this.validateTokens(tokens);
    const out = [...tokens];
    for (let s = 0; s < this.spec.space.network.stages; s++) {
      const block = this.value(out, `network.stage${s}.block`);
      if (block === 'conv') out[this.indexOf(`network.stage${s}.expansion`)] = 0;
    }
    return out;
  }

  decode(tokens: readonly number[]): Candidate {
    const canon = this.canonicalize(tokens);
    const v = (name: string) => this.value(canon, name);
    const stages: StageArch[] = [];
    for (let s = 0; s < this.spec.space.network.stages; s++) {
      const p = `network.stage${s}.`;
      const block = v(`${p}block`) as StageArch['block'];
      const stage: StageArch = {
        block,
        kernel: v(`${p}kernel`) as StageArch['kernel'],
        filters: v(`${p}filters`) as number,
        layers: v(`${p}layers`) as number,
        squeezeExcite: v(`${p}squeezeExcite`) as boolean,
        stride: v(`${p}stride`) as StageArch['stride'],
      };
      if (block !== 'conv') stage.expansion = v(`${p}expansion`) as StageArch['expansion'];
      stages.push(stage);
    }
    const decided = OPTIONAL_NETWORK.flatMap((f) =>
      this.index.has(`network.${f}`) ? [[f, v(`network.${f}`)] as const] : [],
    );
    const network = {
      template: 'mobile-cnn',
      stemFilters: v('network.stemFilters') as number,
      ...Object.fromEntries(decided),
      stages,
    } as NetworkArch;
    const acc = this.spec.space.accelerator;
    const accelDecisions = Object.fromEntries(
      this.decisions.flatMap((d, i) =>
        d.group === 'accelerator' ? [[d.name.slice(12), d.choices[canon[i]!]]] : [],
      ),
    );
    // A fixed clock is part of the space, a listed one a decision.
    const accelerator = {
      template: acc.template,
      ...accelDecisions,
      clockMHz: fixedClock(acc) ?? accelDecisions.clockMHz,
    } as AcceleratorConfig;
    const hyperparameters: Hyperparameters = {
      learningRate: v('hyperparameters.learningRate') as number,
      weightDecay: v('hyperparameters.weightDecay') as number,
      optimizer: v('hyperparameters.optimizer') as Hyperparameters['optimizer'],
      batchSize: v('hyperparameters.batchSize') as number,
    };
    if (this.index.has('hyperparameters.epochs'))
      hyperparameters.epochs = v('hyperparameters.epochs') as number;
    for (const name of RECIPE_HP)
      if (this.index.has(`hyperparameters.${name}`))
        (hyperparameters as unknown as Record<string, unknown>)[name] = v(`hyperparameters.${name}`);
    return { id: this.idOf(canon), tokens: canon, network, accelerator, hyperparameters };
  }

  /** Candidate (or its parts) back to tokens. Throws if a value is not among the choices. */
  encode(c: Pick<Candidate, 'network' | 'accelerator' | 'hyperparameters'>): number[] {
    const values = new Map<string, DecisionValue | undefined>();
    if (c.network.template !== this.spec.space.network.template)
      throw new Error(`network template ${JSON.stringify(c.network.template)} is not this space's`);
    values.set('network.stemFilters', c.network.stemFilters);
    // An absent stem or width field means its default, which a space deciding it may list.
    for (const f of OPTIONAL_NETWORK)
      values.set(
        `network.${f}`,
        c.network[f] ?? (this.index.has(`network.${f}`) ? ARCH_DEFAULTS[f] : undefined),
      );
    if (c.network.stages.length !== this.spec.space.network.stages)
      throw new Error(
        `network has ${c.network.stages.length} stages, space has ${this.spec.space.network.stages}`,
      );
    c.network.stages.forEach((st, s) => {
      for (const f of STAGE_FIELDS) values.set(`network.stage${s}.${f}`, st[f]);
      // A plain-conv stage has no expansion; give it the canonical one.
      if (st.block === 'conv' && st.expansion === undefined)
        values.set(
          `network.stage${s}.expansion`,
          this.decisions[this.indexOf(`network.stage${s}.expansion`)]!.choices[0],
        );
      const extra = Object.keys(st).filter((k) => !(STAGE_FIELDS as readonly string[]).includes(k));
      if (extra.length > 0) throw new Error(`network.stage${s}: unknown field(s) ${extra.join(', ')}`);
    });
    const acc = this.spec.space.accelerator;
    const clock = fixedClock(acc);
    if (c.accelerator.template !== acc.template || (clock !== undefined && c.accelerator.clockMHz !== clock))
      throw new Error(
        `accelerator ${c.accelerator.template} at ${c.accelerator.clockMHz} MHz is not this space's (${acc.template} at ${String(acc.clockMHz)} MHz)`,
      );
    for (const [k, x] of Object.entries(c.accelerator))
      if (k !== 'template' && (k !== 'clockMHz' || clock === undefined)) values.set(`accelerator.${k}`, x);
    for (const [k, x] of Object.entries(c.hyperparameters)) values.set(`hyperparameters.${k}`, x);
    // Every field must be consumed by a decision: a silently dropped value would change the
    // candidate without changing its id.
    for (const [name, x] of values)
      if (x !== undefined && !this.index.has(name)) throw new Error(`${name}: not a decision of this space`);
    const tokens = this.decisions.map((d) => {
      const x = values.get(d.name);
      const t = d.choices.indexOf(x as DecisionValue);
      if (t < 0) throw new Error(`${d.name}: value ${JSON.stringify(x)} is not a choice`);
      return t;
    });
    return this.canonicalize(tokens);
  }

  /** Id of the canonical decisions; inactive decisions are left out of the hash. */
  idOf(tokens: readonly number[]): string {
    const canon = this.canonicalize(tokens);
    const named: Record<string, DecisionValue> = {};
    this.decisions.forEach((d, i) => {
      if (!this.isInactive(canon, d.name)) named[d.name] = d.choices[canon[i]!]!;
    });
    const acc = this.spec.space.accelerator;
    // A listed clock is hashed as a decision (by value), so reordering the list keeps ids.
    const clock = fixedClock(acc) ?? null;
    return hashOf({ t: [this.spec.space.network.template, acc.template, clock], d: named });
  }

  sample(rng: Rng): Candidate {
    return this.decode(this.decisions.map((d) => rng.int(d.choices.length)));
  }

  private isInactive(tokens: readonly number[], name: string): boolean {
    const m = /^network\.stage(\d+)\.expansion$/.exec(name);
    return m !== null && this.value(tokens, `network.stage${m[1]}.block`) === 'conv';
  }

  private value(tokens: readonly number[], name: string): DecisionValue {
    const i = this.indexOf(name);
    return this.decisions[i]!.choices[tokens[i]!]!;
  }
}

function buildDecisions(spec: SearchSpec): Decision[] {
  const out: Decision[] = [];
  const add = (group: Decision['group'], name: string, choices: readonly DecisionValue[]) =>
    out.push({ name: `${group}.${name}`, group, choices: [...choices] });
  const net = spec.space.network;
  add('network', 'stemFilters', net.stemFilters);
  for (const f of OPTIONAL_NETWORK) {
    const c = net[f];
    if (c) add('network', f, c);
  }
  for (let s = 0; s < net.stages; s++) {
    const c = stageChoices(net, s);
    for (const f of STAGE_FIELDS) add('network', `stage${s}.${f}`, c[f]);
  }
  const acc = spec.space.accelerator;
  if (acc.template === 'systolic') {
    add('accelerator', 'rows', acc.rows);
    add('accelerator', 'cols', acc.cols);
    add('accelerator', 'dataflow', acc.dataflow);
    add('accelerator', 'ifmapSramKB', acc.ifmapSramKB);
    add('accelerator', 'filterSramKB', acc.filterSramKB);
    add('accelerator', 'ofmapSramKB', acc.ofmapSramKB);
    if (acc.bandwidthWordsPerCycle) add('accelerator', 'bandwidthWordsPerCycle', acc.bandwidthWordsPerCycle);
  } else {
    add('accelerator', 'pesX', acc.pesX);
    add('accelerator', 'pesY', acc.pesY);
    add('accelerator', 'simdUnits', acc.simdUnits);
    add('accelerator', 'computeLanes', acc.computeLanes);
    add('accelerator', 'localMemoryMB', acc.localMemoryMB);
    add('accelerator', 'registerFileKB', acc.registerFileKB);
    add('accelerator', 'ioBandwidthGBps', acc.ioBandwidthGBps);
  }
  if (acc.weightBits) add('accelerator', 'weightBits', acc.weightBits);
  if (fixedClock(acc) === undefined) add('accelerator', 'clockMHz', acc.clockMHz as number[]);
  const hp = spec.space.hyperparameters;
  add('hyperparameters', 'learningRate', numericChoices(hp.learningRate));
  add('hyperparameters', 'weightDecay', numericChoices(hp.weightDecay));
  add('hyperparameters', 'optimizer', hp.optimizer);
  add('hyperparameters', 'batchSize', hp.batchSize);
  if (hp.epochs) add('hyperparameters', 'epochs', hp.epochs);
  for (const name of RECIPE_HP) {
    const c = hp[name];
    if (c) add('hyperparameters', name, c);
  }
  return out;
}

/** The space's clock when it is one value; undefined when the clock is a decision. */
function fixedClock(acc: SearchSpec['space']['accelerator']): number | undefined {
  return typeof acc.clockMHz === 'number' ? acc.clockMHz : undefined;
}
