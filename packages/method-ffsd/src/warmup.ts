/**
 * FFSD's Gaussian ramp-up of the coefficients λ_div, λ_fusion and λ_sd (official `lambda_warmup`):
 *   λ(e) = λ · exp(−5 (1 − e/α)²)  for e ≤ α,   λ otherwise,
 * with e the 1-based epoch and α the warm-up length (5 epochs in the official code). α = 0 turns the
 * ramp off (factor 1). Returns the factor λ(e)/λ.
 */
export function warmupFactor(epoch: number, warmupEpochs: number): number {
  if (warmupEpochs <= 0 || epoch > warmupEpochs) return 1;
  const r = 1 - epoch / warmupEpochs;
  return Math.exp(-5 * r * r);
}

/** Where the warm-up clock reads its epoch: once per epoch (official) or once per step. */
export type WarmupGranularity = 'epoch' | 'step';

/**
 * The epoch value the warm-up is evaluated at: the 1-based epoch (official, constant over an epoch),
 * or the fractional epochs completed at the end of this step, (step + 1) / stepsPerEpoch, which equals
 * the official value on each epoch's last step and allows warm-ups shorter than an epoch.
 */
export function warmupClock(
  granularity: WarmupGranularity,
  epoch: number,
  step: number,
  stepsPerEpoch: number,
): number {
  return granularity === 'epoch' ? epoch : (step + 1) / Math.max(stepsPerEpoch, 1);
}
