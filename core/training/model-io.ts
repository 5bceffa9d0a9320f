// Trained models in tfjs format in a Store: `{prefix}/model.json` + `{prefix}/weights.bin`, and the
// quantized child beside them: `{prefix}/int8.json` + `{prefix}/int8.bin` (core/quantize/export.ts).
import type { io, LayersModel } from '@tensorflow/tfjs';
import { decodeQuantized, encodeQuantized } from '../quantize/export.js';
import type { QuantizedChild } from '../quantize/model.js';
import { getJson } from '../store/json.js';
import type { Store } from '../store/store.js';
import { tf } from './backend.js';

type ModelArtifacts = io.ModelArtifacts;

const join = (prefix: string, name: string): string =>
  prefix === '' ? name : `${prefix.replace(/\/+$/, '')}/${name}`;

function concatWeightData(data: ModelArtifacts['weightData']): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out;
}

/** An IOHandler that writes model.json and weights.bin under a key prefix of a Store. */
export function storeSaveHandler(store: Store, prefix: string): io.IOHandler {
  return {
    save: async (artifacts: ModelArtifacts) => {
      const weights = concatWeightData(artifacts.weightData);
      const modelJson = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      // Weights first: model.json is what a reader looks for, so it lands last.
      await store.put(join(prefix, 'weights.bin'), weights);
      await store.put(join(prefix, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** An IOHandler that reads what storeSaveHandler wrote. */
export function storeLoadHandler(store: Store, prefix: string): io.IOHandler {
  return {
    load: async (): Promise<ModelArtifacts> => {
      const json = (await getJson(store, join(prefix, 'model.json'))) as {
        modelTopology: ModelArtifacts['modelTopology'];
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        userDefinedMetadata?: Record<string, object>;
        weightsManifest: { paths: string[]; weights: NonNullable<ModelArtifacts['weightSpecs']> }[];
      };
      const specs = json.weightsManifest.flatMap((g) => g.weights);
      const parts: Uint8Array[] = [];
      for (const g of json.weightsManifest)
        for (const p of g.paths) parts.push(await store.get(join(prefix, p)));
      const bytes = concatWeightData(parts.map((p) => p.slice().buffer as ArrayBuffer));
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData: bytes.buffer as ArrayBuffer,
      };
    },
  };
}

export async function saveModelToStore(
  model: LayersModel,
  store: Store,
  prefix: string,
  metadata?: Record<string, object>,
): Promise<void> {
  if (metadata) model.setUserDefinedMetadata(metadata);
  await model.save(storeSaveHandler(store, prefix));
}

export async function loadModelFromStore(store: Store, prefix: string): Promise<LayersModel> {
  return tf.loadLayersModel(storeLoadHandler(store, prefix));
}

/** Writes int8.bin, then int8.json (what a reader looks for) under the model's prefix. */
export async function saveQuantizedToStore(store: Store, prefix: string, q: QuantizedChild): Promise<void> {
  const { manifest, bin } = encodeQuantized(q);
  await store.put(join(prefix, 'int8.bin'), bin);
  await store.put(join(prefix, 'int8.json'), JSON.stringify(manifest));
}

export async function loadQuantizedFromStore(store: Store, prefix: string): Promise<QuantizedChild> {
  const json = await getJson(store, join(prefix, 'int8.json'));
  return decodeQuantized(json, await store.get(join(prefix, 'int8.bin')), join(prefix, 'int8.json'));
}
