import { Rng, deriveSeed } from '@kd/core';
import type { SceneSet } from '@kd/data';

/** Sample i of a VQA split is question `question[i]` of scene `scene[i]` (scene-major, questions in scene order). */
export interface SceneQuestionIndex {
  readonly scene: Int32Array;
  readonly question: Int32Array;
}

/**
 * Indexes the questions of every scene of `scenes` (each scene is generated once to count them). With
 * `perScene`, a scene with more questions keeps `perScene` of them, drawn without replacement by
 * `Rng(deriveSeed(scenes.seed, 'vqa-questions', scene))` and kept in their scene order — a fixed set,
 * the same in every epoch and every run.
 */
export function indexSceneQuestions(scenes: SceneSet, perScene?: number): SceneQuestionIndex {
  const sceneOf: number[] = [];
  const questionOf: number[] = [];
  for (let s = 0; s < scenes.size; s++) {
    const n = scenes.get(s).questions.length;
    const kept =
      perScene === undefined || n <= perScene
        ? Array.from({ length: n }, (_, j) => j)
        : drawSorted(n, perScene, new Rng(deriveSeed(scenes.seed, 'vqa-questions', s)));
    for (const j of kept) {
      sceneOf.push(s);
      questionOf.push(j);
    }
  }
  return { scene: Int32Array.from(sceneOf), question: Int32Array.from(questionOf) };
}

/** `m` distinct integers of [0, n), drawn by a partial Fisher–Yates shuffle, in increasing order. */
function drawSorted(n: number, m: number, rng: Rng): number[] {
  const pool = Array.from({ length: n }, (_, j) => j);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, m).sort((a, b) => a - b);
}
