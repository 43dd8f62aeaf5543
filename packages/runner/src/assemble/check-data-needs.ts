import {
  MissingDataError,
  batchKeyMismatch,
  batchKeysOf,
  type BatchKeyRequest,
  type DataInfo,
  type Facet,
} from '@kd/core';

/** Who reads which batch keys and facets (a method, the task, a model). */
export interface DataNeeds {
  /** e.g. "method 'vild'", "task 'detection'", "model 'student' (vl-scene)" */
  readonly who: string;
  readonly keys: readonly BatchKeyRequest[];
  readonly facets: readonly Facet<unknown>[];
}

/**
 * Checks every declared need against what the dataset declares, before anything trains or is
 * written: one line naming the key or facet, who needs it and what the dataset offers.
 */
export function checkDataNeeds(data: DataInfo, needs: readonly DataNeeds[]): void {
  const offered = batchKeysOf(data);
  const keyList = Object.keys(offered).join(', ');
  for (const n of needs) {
    for (const req of n.keys) {
      const spec = offered[req.key];
      const purpose = req.why ? ` (${req.why})` : '';
      if (!spec)
        throw new MissingDataError(
          n.who,
          `batch key '${req.key}'${purpose}`,
          `dataset '${data.name}' has none (its batches carry: ${keyList})`,
        );
      const mismatch = batchKeyMismatch(req, spec);
      if (mismatch)
        throw new MissingDataError(
          n.who,
          `batch key '${req.key}' as ${mismatch}${purpose}`,
          `dataset '${data.name}' offers it as ${spec.dtype} [${spec.shape.join(', ')}] (${spec.description})`,
        );
    }
    for (const f of n.facets) {
      if (data.facets?.[f.id] === undefined) {
        const has = Object.keys(data.facets ?? {});
        throw new MissingDataError(
          n.who,
          `dataset facet '${f.id}' (${f.description})`,
          `dataset '${data.name}' offers ${has.length ? has.join(', ') : 'no facets'}`,
        );
      }
    }
  }
}
