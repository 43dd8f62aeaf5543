/**
 * Student layer → teacher layer (both 1-based, as the `layer{i}` taps): equal depths pair layer l
 * with layer l; otherwise uniformly, l ↦ round(l · L_T / L_S) (TinyBERT's mapping, the last layers
 * paired) [I].
 */
export function mappedLayers(studentLayers: number, teacherLayers: number): [number, number][] {
  if (studentLayers < 1 || teacherLayers < 1) throw new Error('mappedLayers: both models need a layer');
  return Array.from({ length: studentLayers }, (_, i) => {
    const l = i + 1;
    return [l, Math.min(teacherLayers, Math.max(1, Math.round((l * teacherLayers) / studentLayers)))];
  });
}
