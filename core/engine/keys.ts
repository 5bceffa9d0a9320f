// The S3/file layout of one search (listed in the README). Every key is derived here and nowhere else.
export const SEARCH_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,63}$/;

export function assertSearchId(id: string): string {
  if (!SEARCH_ID_PATTERN.test(id)) throw new Error(`invalid search id "${id}": use 3-64 of [a-z0-9-]`);
  return id;
}

export const keys = {
  searchesPrefix: 'searches/',
  /** One small object per search started through the API: GET /searches pages over these. */
  searchIndexPrefix: 'index/searches/',
  searchIndex: (id: string) => `index/searches/${assertSearchId(id)}.json`,
  /** The search id an index key names (the inverse of searchIndex). */
  searchIdOfIndexKey: (key: string) => key.slice('index/searches/'.length).replace(/\.json$/, ''),
  root: (id: string) => `searches/${assertSearchId(id)}/`,
  spec: (id: string) => `searches/${assertSearchId(id)}/spec.json`,
  frame: (id: string) => `searches/${assertSearchId(id)}/frame.json`,
  dataset: (id: string) => `searches/${assertSearchId(id)}/dataset.json`,
  policy: (id: string, k: number) => `searches/${assertSearchId(id)}/policy/iter-${k}.json`,
  policyPrefix: (id: string) => `searches/${assertSearchId(id)}/policy/`,
  proposal: (id: string, k: number) => `searches/${assertSearchId(id)}/policy/iter-${k}.proposal.json`,
  /** The distinct candidate ids of iteration k, a JSON array (the Distributed Map's item list). */
  candidateList: (id: string, k: number) => `searches/${assertSearchId(id)}/candidates/iter-${k}.json`,
  candidate: (id: string, k: number, cid: string) =>
    `searches/${assertSearchId(id)}/candidates/iter-${k}/${cid}.json`,
  accelerator: (id: string, k: number, cid: string) =>
    `searches/${assertSearchId(id)}/metrics/iter-${k}/${cid}/accelerator.json`,
  training: (id: string, k: number, cid: string) =>
    `searches/${assertSearchId(id)}/metrics/iter-${k}/${cid}/training.json`,
  /** A long child's checkpoint between TrainChild chunks (removed when the child is done). */
  childCheckpoint: (id: string, k: number, cid: string) =>
    `searches/${assertSearchId(id)}/checkpoints/iter-${k}/${cid}/`,
  evaluations: (id: string, k: number) => `searches/${assertSearchId(id)}/evaluations/iter-${k}.json`,
  model: (id: string, cid: string) => `searches/${assertSearchId(id)}/models/${cid}/`,
  cache: (id: string, cid: string, budget: string) =>
    `searches/${assertSearchId(id)}/cache/${cid}-${budget}.json`,
  /** AutoHAS: the supernet checkpoint (checkpoint.json + weights-*.bin). */
  supernet: (id: string) => `searches/${assertSearchId(id)}/supernet`,
  /** AutoHAS: the step logs of the chunk that ended at supernet step `step`. */
  supernetLog: (id: string, step: number) =>
    `searches/${assertSearchId(id)}/supernet/log/step-${String(step).padStart(8, '0')}.json`,
  /** AutoHAS with autohas.final "finetune": a top-k candidate's slice of the supernet's weights. */
  supernetInit: (id: string, cid: string) => `searches/${assertSearchId(id)}/supernet/init/${cid}.json`,
  /** AutoHAS: the top-k derived from the controller when the supernet is done. */
  supernetTopK: (id: string) => `searches/${assertSearchId(id)}/supernet/topk.json`,
  state: (id: string) => `searches/${assertSearchId(id)}/state.json`,
  stop: (id: string) => `searches/${assertSearchId(id)}/stop`,
  results: (id: string) => `searches/${assertSearchId(id)}/results.json`,
  report: (id: string) => `searches/${assertSearchId(id)}/report.html`,
};
