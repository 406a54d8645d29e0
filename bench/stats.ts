/** Numbers the bench parts print: nearest-rank percentiles and milliseconds. */
export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
};

export const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
