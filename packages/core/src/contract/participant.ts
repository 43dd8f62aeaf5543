import type { TappedModel } from './model.js';

export type Role = 'teacher' | 'student';

/**
 * A model taking part in a run. Whether it trains is its model's business, not a second flag here:
 * a frozen model (`Module.setFrozen`, e.g. every teacher by default) has no trainable parameters, runs
 * outside the gradient tape in inference mode (batch norm uses its running statistics and does not
 * update them) and so receives no gradient; a teacher configured `trainable: true` (adapted or
 * co-trained) is left unfrozen and runs inside the tape like a student. A model frozen only in part
 * (a student whose encoder is frozen, `student.freeze`) trains its other parameters, and the frozen
 * sub-trees keep their batch norm in inference mode. Several teachers or students are allowed (e.g.
 * an online-KD peer group); `student` is the primary student, the one a run saves and reports.
 */
export interface Participant {
  readonly name: string;
  readonly role: Role;
  readonly model: TappedModel;
}

/** Whether a participant's model trains at all: not frozen as a whole (the only trainability flag is the model's). */
export function isTrainable(p: Pick<Participant, 'model'>): boolean {
  return !p.model.isFrozen;
}
