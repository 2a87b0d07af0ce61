/** Delivery retries: 1 s doubling per failed attempt up to 5 min, jittered so retries of many firings spread out. */
export const retryDelay = (attempts: number): number => Math.min(1_000 * 2 ** attempts, 300_000) * (0.75 + Math.random() / 4);
