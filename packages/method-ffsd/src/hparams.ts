import { z, type TermSpec } from '@kd/core';
import { DIVERSITY_NORMS } from './diversity.js';

/** Which coefficient weights the common students' self-distillation term. */
export const PEER_SD_COEFFICIENTS = ['lambdaDiversity', 'lambdaFusion', 'lambdaSelfDistillation'] as const;
export type PeerSdCoefficient = (typeof PEER_SD_COEFFICIENTS)[number];

/** Hyperparameters of FFSD (defaults from the official code, SJLeo/FFSD `options/options.py`, `CIFARTrainer.py`). */
export const ffsdHParams = z.object({
  commonStudents: z
    .number()
    .int()
    .min(2)
    .max(8)
    .default(2)
    .describe("m, the number of common students built like the run's student (official code: --model_num 2)"),
  taps: z
    .array(z.string().min(1))
    .min(2)
    .default(['stage1', 'stage2', 'stage3'])
    .describe(
      'feature taps of every network, shallow to deep; the last is F^L (fusion, diversity), the others are the ' +
        'self-distillation targets (official code: hooks on layer1..layer3 of the CIFAR ResNets)',
    ),
  T: z.number().positive().default(2).describe('temperature of every KL term (official code: --temperature 2)'),
  lambdaDiversity: z
    .number()
    .min(0)
    .default(1e-5)
    .describe('λ_div, coefficient of the diversity (attention-shift) loss (official code: --lambda_diversity 1e-5)'),
  lambdaFusion: z
    .number()
    .min(0)
    .default(10)
    .describe(
      "λ_fusion, coefficient of the leader's fused-attention, trans-fusion and self-distillation terms (official code: --lambda_fusion 10)",
    ),
  lambdaSelfDistillation: z
    .number()
    .min(0)
    .default(1000)
    .describe(
      "λ_sd, coefficient of the self-distillation modules' own training loss (official code: --lambda_self_distillation 1000)",
    ),
  warmupEpochs: z
    .number()
    .min(0)
    .default(5)
    .describe(
      'α of the Gaussian warm-up λ(e) = λ·exp(−5(1 − e/α)²) for e ≤ α of all three λ (official code: 5 epochs); 0 = off',
    ),
  warmupGranularity: z
    .enum(['epoch', 'step'])
    .default('epoch')
    .describe(
      "'epoch' evaluates the warm-up at the 1-based epoch (official code); 'step' at the fractional epochs done after " +
        'each step (our option, for warm-ups shorter than an epoch in short runs)',
    ),
  peerSdCoefficient: z
    .enum(PEER_SD_COEFFICIENTS)
    .default('lambdaDiversity')
    .describe(
      "coefficient of the common students' self-distillation term: the official code uses λ_div (a quirk: the paper " +
        "pairs it with the diversity term); 'lambdaFusion' / 'lambdaSelfDistillation' are our alternatives",
    ),
  diversityNorm: z
    .enum(DIVERSITY_NORMS)
    .default('raw')
    .describe(
      "n in the attention-shift target ỹ = (n/2 − ŷ)·sign(ŷ − θ) + n/2: 'raw' = ‖a‖₂ of the un-normalised map " +
        "(official code; mixes scales with the unit-norm ŷ) or 'unit' = 1 (our alternative)",
    ),
  dmlIncludesLeader: z
    .boolean()
    .default(false)
    .describe(
      "add the leader's detached logits to every common student's DML partners (a plain DML group of m + 1 networks, " +
        "for the DML-only ablation; FFSD's official code keeps the leader out of DML: false)",
    ),
});

export type FfsdHParams = z.output<typeof ffsdHParams>;

/** FFSD's loss terms. The leader's own cross-entropy is the runner's `task.ce`. */
export const ffsdTerms: readonly TermSpec[] = [
  { name: 'peer_ce', defaultWeight: 1, description: 'Σ_i CE(z_i, y) over the common students' },
  {
    name: 'dml',
    defaultWeight: 1,
    description: "Σ_i T²/(m−1) Σ_{j≠i} KL(p_j^T ‖ p_i^T), the common students' mutual learning (partners detached)",
  },
  {
    name: 'div',
    defaultWeight: 1,
    description:
      'Σ_{i≥2} λ_div(e)·‖â(F_i^L) − ỹ(F_{i−1}^L)‖²/(B·HW), attention shift away from the previous student (detached)',
  },
  {
    name: 'peer_sd',
    defaultWeight: 1,
    description:
      "Σ_{i≥2} λ(e)·Σ_k ℓ(F_i^k, G_i^k(F̃_{i−1}^L)), common students' self-distillation from their SD module fed the " +
      'shifted map (targets detached; λ = λ_div in the official code, see peerSdCoefficient)',
  },
  { name: 'fusion_ce', defaultWeight: 1, description: 'CE(z_f, y) of the fusion head' },
  {
    name: 'fusion_kl',
    defaultWeight: 1,
    description: "T²·KL(p_ens^T ‖ p_f^T), fusion head to the detached mean of the common students' logits",
  },
  { name: 'leader_kl', defaultWeight: 1, description: 'T²·KL(p_f^T ‖ p_0^T), leader to the detached fusion logits' },
  {
    name: 'leader_fusion',
    defaultWeight: 1,
    description: "λ_fus(e)·ℓ(F_0^L, F_f), leader's last-stage attention to the detached fused map",
  },
  {
    name: 'leader_trans',
    defaultWeight: 1,
    description:
      'λ_fus(e)·ℓ(Trans(F_0^L), [F_1^L; …; F_m^L]), trans-fusion of the leader to the detached concatenated maps',
  },
  {
    name: 'leader_sd',
    defaultWeight: 1,
    description:
      "λ_fus(e)·Σ_k ℓ(F_0^k, G_0^k(F_f)), leader's shallow stages to its SD module fed the detached fused map",
  },
  {
    name: 'sd_train',
    defaultWeight: 1,
    description:
      "λ_sd(e)·Σ_nets Σ_k [ℓ_vec(G^k, F^k) + ℓ(G^k, F^k)], the SD modules' own reconstruction of each network's shallow " +
      'maps from its detached deepest map (gradient only into the SD modules)',
  },
  {
    name: 'leader_dml',
    defaultWeight: 0,
    description:
      'T²/m Σ_j KL(p_j^T ‖ p_0^T), the leader as a plain DML member (not in FFSD; for the DML-only ablation)',
  },
];

export const FFSD_TERM_NAMES = ffsdTerms.map((t) => t.name);
