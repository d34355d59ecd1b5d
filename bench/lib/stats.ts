/** Small number helpers for the bench report. */

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (!xs.length) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The p-th percentile (0–100) of a list, nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

export const fmtRatio = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a')
export const fmtInt = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a')
export const fmtMs = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '')
