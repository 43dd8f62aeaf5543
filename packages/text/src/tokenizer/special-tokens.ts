/** The special tokens, at fixed ids 0–4 of every vocabulary (`[PAD]` is 0 so zero-filled arrays are padding). */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

export const PAD_ID = 0;
export const UNK_ID = 1;
export const CLS_ID = 2;
export const SEP_ID = 3;
export const MASK_ID = 4;

/** True for the ids of the special tokens. */
export function isSpecialId(id: number): boolean {
  return id >= 0 && id < SPECIAL_TOKENS.length;
}
