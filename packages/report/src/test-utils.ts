import { UserError } from '@kd/core';
import { expect } from 'vitest';

/** The one-line message of the UserError that `f` throws (the test fails if it throws nothing else). */
export function userErrorMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('no error');
}
