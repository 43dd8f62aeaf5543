/**
 * Works through `items` with at most `concurrency` of them in flight, in order; starts nothing new
 * once `stopped()` is true, and resolves when every started item has settled.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  stopped: () => boolean,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !stopped()) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}
