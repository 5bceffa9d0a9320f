// Weight-sharing supernet over a spec's mobile-cnn space.
// Scheme: every weight is allocated once at its largest shape over the space, and a sub-network
// uses a slice of it: the centred k×k window of the largest kernel, the first c_in input and
// first c_out output channels (Once-for-All style). Weights are keyed by the walk's layer names
// (`s1_b2_dw`, `head_dense`, ...), so block types of one stage share the names they have in common.
// Batch norm always uses batch statistics (no moving averages): the statistics of a shared layer
// depend on the sampled sub-network, so stored ones would be wrong for most of them.
import { type Activation, type Emitter, walkMobileCnn } from '../network/mobile-cnn.js';
import { Rng } from '../rng.js';
import { stageChoices } from '../space/stage-choices.js';
import type { NetworkArch, StageArch } from '../space/types.js';
import type { NetworkSpace } from '../spec/schema.js';
import { tf } from '../training/backend.js';

type Tensor = tf.Tensor;
type Variable = tf.Variable;

/** A shared weight: its full shape and whether L2 weight decay applies (kernels, not BN/bias). */
export interface WeightSpec {
  name: string;
  shape: number[];
  decayed: boolean;
  init: 'he' | 'glorot' | 'zeros' | 'ones';
}

/** Records the largest shape each weight takes over the walks it sees. */
class BoundsEmitter implements Emitter<number[]> {
  readonly specs = new Map<string, WeightSpec>();

  private need(name: string, shape: number[], decayed: boolean, init: WeightSpec['init']): void {
    const old = this.specs.get(name);
    if (!old) this.specs.set(name, { name, shape, decayed, init });
    else old.shape = old.shape.map((d, i) => Math.max(d, shape[i]!));
  }

  conv(x: number[], name: string, k: number, _s: number, filters: number): number[] {
    this.need(`${name}/kernel`, [k, k, this.channels(x), filters], true, 'he');
    return [filters];
  }
  depthwise(x: number[], name: string, k: number): number[] {
    this.need(`${name}/kernel`, [k, k, this.channels(x), 1], true, 'he');
    return x;
  }
  batchnorm(x: number[], name: string): number[] {
    this.need(`${name}/gamma`, [this.channels(x)], false, 'ones');
    this.need(`${name}/beta`, [this.channels(x)], false, 'zeros');
    return x;
  }
  act(x: number[]): number[] {
    return x;
  }
  add(a: number[]): number[] {
    return a;
  }
  globalAvgPool(x: number[]): number[] {
    return x;
  }
  dense(x: number[], name: string, units: number): number[] {
    this.need(`${name}/kernel`, [this.channels(x), units], true, 'glorot');
    this.need(`${name}/bias`, [units], false, 'zeros');
    return [units];
  }
  scale(x: number[]): number[] {
    return x;
  }
  channels(x: number[]): number {
    return x[0]!;
  }
}

/**
 * Upper bounds of every weight over the space: per width multiplier and block type, one walk with
 * every stage's choices at their largest (channels, kernel, expansion, layers, squeeze-excite on,
 * the largest stem kernel). Channel counts only grow with these choices, so each weight's maximum
 * is reached in one of these walks. A stage that cannot take the block walks its first one.
 */
export function supernetWeightSpecs(
  space: NetworkSpace,
  inChannels: number,
  numClasses: number,
): WeightSpec[] {
  const e = new BoundsEmitter();
  const maxOf = (xs: readonly number[]) => Math.max(...xs);
  const perStage = Array.from({ length: space.stages }, (_, s) => stageChoices(space, s));
  const blocks = [...new Set(perStage.flatMap((c) => c.block))];
  for (const m of space.widthMultiplier ?? [1])
    for (const block of blocks) {
      const stages = perStage.map((c) => {
        const b = c.block.includes(block) ? block : c.block[0]!;
        const stage: StageArch = {
          block: b,
          kernel: maxOf(c.kernel) as StageArch['kernel'],
          filters: maxOf(c.filters),
          layers: maxOf(c.layers),
          squeezeExcite: c.squeezeExcite.includes(true),
          stride: 1,
        };
        if (b !== 'conv') stage.expansion = maxOf(c.expansion) as StageArch['expansion'];
        return stage;
      });
      const arch: NetworkArch = {
        template: 'mobile-cnn',
        stemFilters: maxOf(space.stemFilters),
        stemKernel: maxOf(space.stemKernel ?? [3]) as NetworkArch['stemKernel'],
        widthMultiplier: m,
        stages,
      };
      walkMobileCnn(e, arch, [inChannels], numClasses);
      // fused-mbconv with expansion 1 convolves straight to `filters`, which can exceed c·exp.
      if (block === 'fused-mbconv' && perStage.some((c) => c.expansion.includes(1))) {
        const flat = arch.stages.map((s) => (s.block === 'conv' ? s : { ...s, expansion: 1 as const }));
        walkMobileCnn(e, { ...arch, stages: flat }, [inChannels], numClasses);
      }
    }
  return [...e.specs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A shared weight's slice of `shape`: kernels their centred spatial window, channels the first ones. */
function sliceTo(v: Tensor, shape: readonly number[]): Tensor {
  if (v.shape.every((d, i) => d === shape[i])) return v;
  const begin = v.shape.map((d, i) => (v.rank === 4 && i < 2 ? (d - shape[i]!) / 2 : 0));
  return tf.slice(v, begin, [...shape]);
}

/** Runs a sub-network on real tensors, slicing each shared weight to the shape it needs. */
class SliceEmitter implements Emitter<Tensor> {
  logits: Tensor | undefined;
  readonly touched = new Set<string>();
  /** The shape each weight was sliced to. */
  readonly shapes = new Map<string, readonly number[]>();

  constructor(private readonly w: ReadonlyMap<string, Tensor>) {}

  private get(name: string, shape: readonly number[]): Tensor {
    const v = this.w.get(name);
    if (!v) throw new Error(`supernet has no weight ${name}`);
    this.touched.add(name);
    this.shapes.set(name, shape);
    return sliceTo(v, shape);
  }

  conv(x: Tensor, name: string, k: number, stride: number, filters: number): Tensor {
    const w = this.get(`${name}/kernel`, [k, k, this.channels(x), filters]) as tf.Tensor4D;
    return tf.conv2d(x as tf.Tensor4D, w, stride, 'same');
  }
  depthwise(x: Tensor, name: string, k: number, stride: number): Tensor {
    const w = this.get(`${name}/kernel`, [k, k, this.channels(x), 1]) as tf.Tensor4D;
    return tf.depthwiseConv2d(x as tf.Tensor4D, w, stride, 'same');
  }
  batchnorm(x: Tensor, name: string): Tensor {
    const c = this.channels(x);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.batchNorm(
      x,
      mean,
      variance,
      this.get(`${name}/beta`, [c]),
      this.get(`${name}/gamma`, [c]),
      1e-3,
    );
  }
  act(x: Tensor, _name: string, fn: Activation): Tensor {
    if (fn === 'relu') return tf.relu(x);
    if (fn === 'sigmoid') return tf.sigmoid(x);
    this.logits = x;
    return tf.softmax(x);
  }
  add(a: Tensor, b: Tensor): Tensor {
    return tf.add(a, b);
  }
  globalAvgPool(x: Tensor): Tensor {
    return tf.mean(x, [1, 2]);
  }
  dense(x: Tensor, name: string, units: number): Tensor {
    const k = this.get(`${name}/kernel`, [this.channels(x), units]) as tf.Tensor2D;
    return tf.add(tf.matMul(x as tf.Tensor2D, k), this.get(`${name}/bias`, [units]));
  }
  scale(x: Tensor, s: Tensor): Tensor {
    return tf.mul(x, tf.reshape(s, [s.shape[0]!, 1, 1, this.channels(s)]));
  }
  channels(x: Tensor): number {
    return x.shape[x.shape.length - 1]!;
  }
}

export class Supernet {
  /** In name order; the order of checkpoints and optimizer slots. */
  readonly specs: readonly WeightSpec[];
  readonly vars: readonly Variable[];
  private readonly byName: Map<string, Variable>;

  constructor(
    readonly space: NetworkSpace,
    readonly inputShape: readonly [number, number, number],
    readonly numClasses: number,
    seed: number,
  ) {
    this.specs = supernetWeightSpecs(space, inputShape[2], numClasses);
    const rng = Rng.fromSeed(`autohas-supernet:${seed}`);
    this.vars = this.specs.map((s) => {
      const init = tf.tidy(() => {
        const seedOf = rng.split(s.name).int(2 ** 31);
        if (s.init === 'he') return tf.initializers.heNormal({ seed: seedOf }).apply(s.shape);
        if (s.init === 'glorot') return tf.initializers.glorotUniform({ seed: seedOf }).apply(s.shape);
        return s.init === 'ones' ? tf.ones(s.shape) : tf.zeros(s.shape);
      });
      const v = tf.variable(init, true, `autohas/${seed}/${s.name}/${Supernet.counter++}`);
      init.dispose();
      return v;
    });
    this.byName = new Map(this.specs.map((s, i) => [s.name, this.vars[i]!]));
  }

  private static counter = 0;

  /**
   * Logits of `arch` on a batch x [n,h,w,c], and the names of the weights it read. Call inside
   * tf.tidy / a gradient function; nothing shared is allocated.
   */
  forward(arch: NetworkArch, x: Tensor): { logits: Tensor; touched: Set<string> } {
    return this.forwardWith(this.byName, arch, x);
  }

  /** Same, over a replacement weight map (temporary weights); missing names fall back to shared. */
  forwardWith(
    weights: ReadonlyMap<string, Tensor>,
    arch: NetworkArch,
    x: Tensor,
  ): { logits: Tensor; touched: Set<string> } {
    const e = new SliceEmitter(
      weights === this.byName ? weights : new Map<string, Tensor>([...this.byName, ...weights]),
    );
    walkMobileCnn(e, arch, x, this.numClasses);
    if (!e.logits) throw new Error('mobile-cnn walk produced no logits');
    return { logits: e.logits, touched: e.touched };
  }

  /**
   * The shared weights `arch` reads, each sliced to the shape it reads, by name: the starting
   * point of a sub-network fine-tuned on its own. New tensors; the caller disposes them.
   */
  weightsFor(arch: NetworkArch): Map<string, Tensor> {
    const e = new SliceEmitter(this.byName);
    tf.tidy(() => {
      walkMobileCnn(e, arch, tf.zeros([1, ...this.inputShape]), this.numClasses);
    });
    return new Map(
      [...e.shapes].map(([name, shape]) => [
        name,
        tf.tidy(() => tf.clone(sliceTo(this.weight(name), shape))),
      ]),
    );
  }

  weight(name: string): Variable {
    const v = this.byName.get(name);
    if (!v) throw new Error(`supernet has no weight ${name}`);
    return v;
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}
