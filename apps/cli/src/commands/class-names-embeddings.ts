import * as tf from '@tensorflow/tfjs';
import { UserError } from '@kd/core';
import type { ClipDualEncoder } from '@kd/models';
import { classPromptTexts, splitWords, type WordTokenizer } from '@kd/text';

/**
 * A CLIP-like teacher's class embeddings [K][E] of any class names (not only its dataset's): each
 * prompt filled with each name, tokenised by the teacher's tokenizer to its text length, embedded
 * by its text tower and normalised; the mean over the prompts, renormalised — what
 * `ClipDualEncoder.classEmbeddings` does with its dataset's prompts. A name with a word outside the
 * teacher's vocabulary would read as [UNK]: a `UserError` naming the class and the words (`where`
 * says whose class it is).
 */
export function classNamesEmbeddings(
  model: ClipDualEncoder,
  text: { readonly tokenizer: WordTokenizer; readonly length: number; readonly prompts: readonly string[] },
  classNames: readonly string[],
  where: string,
): number[][] {
  for (const name of classNames) {
    const unknown = splitWords(name).filter((w) => !text.tokenizer.vocabulary.has(w));
    if (unknown.length)
      throw new UserError(
        `${where}: class '${name}' has words outside the teacher's vocabulary (${unknown.join(', ')}): its text tower cannot read it`,
      );
  }
  const k = classNames.length;
  const p = text.prompts.length;
  const t = text.length;
  const encoded = text.tokenizer.encodeBatch(classPromptTexts(classNames, text.prompts), { length: t });
  const embeddings = tf.tidy(() => {
    const prompts = model.encodeText(
      tf.tensor2d(encoded.ids, [k * p, t], 'int32'),
      tf.tensor2d(encoded.attentionMask, [k * p, t]),
    );
    const mean = tf.mean(tf.reshape(prompts, [k, p, -1]), 1);
    return tf.div(mean, tf.add(tf.norm(mean, 'euclidean', -1, true), 1e-12));
  });
  const values = embeddings.arraySync() as number[][];
  embeddings.dispose();
  return values;
}
