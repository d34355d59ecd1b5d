/**
 * Summarise a V8 `.cpuprofile` (from `node --cpu-prof`) into where the time goes: self time per
 * function and per origin (doorman's src/, the framework, Node's internals, GC).
 */

import { SourceMap } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import path from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** What the report shows. */
export interface ProfileSummary {
  busyMs: number
  top: { name: string; where: string; origin: string; selfMs: number; share: number }[]
  origins: { origin: string; selfMs: number; share: number }[]
  markdown: string
}

function origin(url: string, name: string, root: string): string {
  if (!url) return name.startsWith('(') ? name : 'V8/native'
  if (url.startsWith('node:')) return 'node internals'
  const rel = url.replace(/^file:\/\//, '').replace(root, '')
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel)
  if (m) return m[1]
  if (rel.includes('/src/')) return 'doorman (src/)'
  if (rel.includes('/bench/')) return 'bench server'
  return rel
}

function where(url: string, line: number, root: string): string {
  if (!url) return ''
  const rel = url.replace(/^file:\/\//, '').replace(root + '/', '').replace(/^.*node_modules\//, '')
  return `${rel}:${line + 1}`
}

/** Summarise a profile; `root` is stripped from paths so no machine path reaches the report. */
export function summariseProfile(p: CpuProfile, root: string, topN = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0))
  const fns = new Map<string, { name: string; where: string; origin: string; us: number }>()
  const origins = new Map<string, number>()
  let busy = 0
  const maps = new Map<string, SourceMap | null>()
  const original = (url: string, line: number, col: number): { url: string; line: number } => {
    if (!url.startsWith('file:') || url.includes('/node_modules/')) return { url, line }
    if (!maps.has(url)) {
      const file = fileURLToPath(url) + '.map'
      maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null)
    }
    const map = maps.get(url)
    const e: any = map?.findEntry(line, col)
    if (!e || !e.originalSource) return { url, line }
    const src = e.originalSource.startsWith('file:') ? e.originalSource : pathToFileURL(path.resolve(path.dirname(fileURLToPath(url)), e.originalSource)).href
    return { url: src, line: e.originalLine }
  }
  for (const [id, us] of self) {
    const n = byId.get(id)!
    const { functionName } = n.callFrame
    const { url, line: lineNumber } = original(n.callFrame.url, n.callFrame.lineNumber, n.callFrame.columnNumber)
    if (functionName === '(idle)') continue
    busy += us
    const o = origin(url, functionName, root)
    origins.set(o, (origins.get(o) ?? 0) + us)
    const key = `${functionName}|${url}|${lineNumber}`
    const f = fns.get(key) ?? { name: functionName || '(anonymous)', where: where(url, lineNumber, root), origin: o, us: 0 }
    f.us += us
    fns.set(key, f)
  }
  const top = [...fns.values()].sort((a, b) => b.us - a.us).slice(0, topN).map((f) => ({ name: f.name, where: f.where, origin: f.origin, selfMs: f.us / 1000, share: f.us / busy }))
  const os = [...origins].sort((a, b) => b[1] - a[1]).map(([origin, us]) => ({ origin, selfMs: us / 1000, share: us / busy }))
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  const md = [
    `Busy (non-idle) time sampled: ${(busy / 1000).toFixed(0)} ms.`,
    '',
    '| self time by origin | share |',
    '| --- | ---: |',
    ...os.slice(0, 12).map((o) => `| ${o.origin} | ${pct(o.share)} |`),
    '',
    `| top ${topN} functions by self time | where | origin | share |`,
    '| --- | --- | --- | ---: |',
    ...top.map((f) => `| ${f.name} | ${f.where} | ${f.origin} | ${pct(f.share)} |`),
  ].join('\n')
  return { busyMs: busy / 1000, top, origins: os, markdown: md }
}
