import { Rng } from '@kd/core';
import { describe, expect, it } from 'vitest';
import type { Box } from '../proposals/box.js';
import { answerVocabulary } from './answer-vocabulary.js';
import { sceneQuestions, type QuestionContext, type QuestionObject, type SceneQuestion } from './scene-questions.js';
import { DEFAULT_RELATION_CONFIG } from './spatial-relations.js';

const classNames = Array.from({ length: 10 }, (_, i) => String(i));
const context = (askable = new Uint8Array(10).fill(1), positionGrid = 2): QuestionContext => ({
  classNames,
  askable,
  answers: answerVocabulary(classNames, 4),
  positionGrid,
  height: 64,
  width: 64,
  relations: DEFAULT_RELATION_CONFIG,
});
const obj = (classId: number, box: Box, annotated = true): QuestionObject => ({ classId, box, annotated });
const of = (qs: SceneQuestion[], type: string) => qs.filter((q) => q.type === type).map((q) => [q.text, q.answer]);

// A 3 top left, a 7 top right, another 3 bottom left (64×64 canvas, 2×2 grid)
const threeSevenThree = [obj(3, [4, 4, 20, 24]), obj(7, [40, 6, 56, 26]), obj(3, [10, 40, 26, 60])];

describe('sceneQuestions', () => {
  it('asks balanced presence questions: yes for present classes, as many no for absent ones', () => {
    const qs = sceneQuestions(threeSevenThree, context(), new Rng(1));
    const presence = of(qs, 'presence');
    expect(presence).toHaveLength(4);
    expect(presence.filter(([, a]) => a === 'yes').map(([t]) => t)).toEqual(['is there a 3?', 'is there a 7?']);
    const no = presence.filter(([, a]) => a === 'no').map(([t]) => Number(/is there a (\d)\?/.exec(t!)![1]));
    expect(no).toHaveLength(2);
    for (const c of no) expect([3, 7]).not.toContain(c);
    // sorted by class id
    const ids = presence.map(([t]) => Number(/(\d)\?$/.exec(t!)![1]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('counts each present class and one absent class (zero)', () => {
    const count = of(sceneQuestions(threeSevenThree, context(), new Rng(1)), 'count');
    expect(count.slice(0, 2)).toEqual([
      ['how many 3?', 'two'],
      ['how many 7?', 'one'],
    ]);
    expect(count).toHaveLength(3);
    expect(count[2]![1]).toBe('zero');
    expect(['how many 3?', 'how many 7?']).not.toContain(count[2]![0]);
  });

  it('asks what is in each occupied grid cell and in one empty cell', () => {
    expect(of(sceneQuestions(threeSevenThree, context(), new Rng(1)), 'position')).toEqual([
      ['what is at the top left?', '3'],
      ['what is at the top right?', '7'],
      ['what is at the bottom left?', '3'],
      ['what is at the bottom right?', 'nothing'],
    ]);
    // 3×3 grid: centres (12, 14) → top left, (48, 16) → top right, (18, 50) → bottom left
    const q3 = of(sceneQuestions(threeSevenThree, context(undefined, 3), new Rng(1)), 'position');
    expect(q3.slice(0, 3)).toEqual([
      ['what is at the top left?', '3'],
      ['what is at the top right?', '7'],
      ['what is at the bottom left?', '3'],
    ]);
    expect(q3[3]![1]).toBe('nothing');
  });

  it('asks what is left of / right of / above / below an object whose class is unique', () => {
    // only the 7 is unique; both 3s are left of it, the lower 3 is below it
    expect(of(sceneQuestions(threeSevenThree, context(), new Rng(1)), 'relation')).toEqual([
      ['what is left of the 7?', '3'],
      ['what is right of the 7?', 'nothing'],
      ['what is above the 7?', 'nothing'],
      ['what is below the 7?', '3'],
    ]);
  });

  it('skips ambiguous questions (cells or relations with several classes)', () => {
    // a 1 and a 2 both left of a 5, both in the top-left cell (centres (8, 8) and (8, 24))
    const objs = [obj(1, [2, 2, 14, 14]), obj(2, [2, 18, 14, 30]), obj(5, [40, 10, 56, 26])];
    const qs = sceneQuestions(objs, context(), new Rng(1));
    expect(of(qs, 'relation').map(([t]) => t)).not.toContain('what is left of the 5?');
    expect(of(qs, 'position').map(([t]) => t)).not.toContain('what is at the top left?');
    // only the 1 is above the 2; the 2 and the 5 are both below the 1 (5: dy = −10 < −7)
    expect(of(qs, 'relation')).toContainEqual(['what is above the 2?', '1']);
    expect(of(qs, 'relation').map(([t]) => t)).not.toContain('what is below the 1?');
  });

  it('never names a class that is not askable nor lets an unannotated object decide an answer', () => {
    // the 7 (top right) is novel: present in the image, not annotated, not askable
    const objs = [obj(3, [4, 4, 20, 24]), obj(7, [40, 6, 56, 26], false)];
    const askable = new Uint8Array(10).fill(1);
    askable[7] = 0;
    const qs = sceneQuestions(objs, context(askable), new Rng(1));
    for (const q of qs) {
      expect(q.text).not.toMatch(/7/);
      expect(q.answer).not.toBe('7');
    }
    expect(of(qs, 'presence')).toHaveLength(2);
    expect(of(qs, 'count')[0]).toEqual(['how many 3?', 'one']);
    const position = of(qs, 'position');
    expect(position[0]).toEqual(['what is at the top left?', '3']);
    expect(position.map(([t]) => t)).not.toContain('what is at the top right?');
    expect(position).toHaveLength(2);
    expect(position[1]![1]).toBe('nothing');
    // the 7 is right of the 3: that question is skipped, the others answered
    expect(of(qs, 'relation')).toEqual([
      ['what is left of the 3?', 'nothing'],
      ['what is above the 3?', 'nothing'],
      ['what is below the 3?', 'nothing'],
    ]);
  });

  it('gives answer ids from the vocabulary and is deterministic per rng seed', () => {
    const ctx = context();
    const a = sceneQuestions(threeSevenThree, ctx, new Rng(9));
    expect(sceneQuestions(threeSevenThree, ctx, new Rng(9))).toEqual(a);
    for (const q of a) expect(ctx.answers.answers[q.answerId]).toBe(q.answer);
    expect(sceneQuestions([], ctx, new Rng(1)).map((q) => q.type)).toEqual(['count', 'position']);
  });
});
