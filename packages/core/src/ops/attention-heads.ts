/**
 * The products of attention heads with the heads where the projections put them ([B, N, H, D]):
 * `headScores(q, k)` → [B, H, N, M] (q_h · k_hᵀ), `headContext(probs, v)` → [B, N, H, D]
 * (probs_h · v_h). One strided product per head on the native kernels, transposes and matMul
 * elsewhere — the same bits either way (@kd/tfjs-runtime heads-matmul.ts).
 */
export { headScores, headContext } from '@kd/tfjs-runtime';
