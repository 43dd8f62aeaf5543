import type { TappedModel } from './model.js';

export type Role = 'teacher' | 'student';

/**
 * A model taking part in a run. Teachers are frozen by default: their forward runs outside the
 * gradient tape in inference mode (batch norm uses running statistics), so they receive no gradient.
 * A teacher with `trainable: true` (adapted or co-trained) runs inside the tape like a student.
 * Several teachers or students are allowed (e.g. an online-KD peer group); `student` is the primary
 * student, the one a run saves and reports.
 */
export interface Participant {
  readonly name: string;
  readonly role: Role;
  readonly model: TappedModel;
  readonly trainable: boolean;
}
