import type { FastifyInstance } from 'fastify'
import { Agent } from 'undici'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CheckState } from '../src/check-state.js'
import { resolveOptions } from '../src/options.js'
import { Poller } from '../src/poller.js'
import { buildApp, closeAll } from './helpers/app.js'
import { Backends } from './helpers/backends.js'

const opened: FastifyInstance[] = []
const backends = new Backends()
const dispatcher = new Agent()
afterEach(async () => {
  vi.useRealTimers()
  await closeAll(opened)
  await backends.closeAll()
})

const outcome = (ok: boolean) => ({ ok, latencyMs: 1, time: Date.now() })

/** Fake only the timers: real sockets and inject keep working on real microtasks and setImmediate. */
const fakeTimers = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] })

describe('rise/fall state machine', () => {
  const state = (rise: number, fall: number) => new CheckState(resolveOptions({
    checks: [{ type: 'custom', name: 'c', rise, fall, check: () => true }],
  }).checks[0]!)

  it('takes the first result directly, then needs `fall` failures to go down and `rise` successes to come up', () => {
    const s = state(2, 3)
    expect(s.health).toBe('pending')
    s.record(outcome(true))
    expect(s.health).toBe('up')
    s.record(outcome(false))
    s.record(outcome(false))
    expect(s.health).toBe('up')
    s.record(outcome(true))
    s.record(outcome(false))
    s.record(outcome(false))
    expect(s.health).toBe('up')
    expect(s.record(outcome(false))).toBe(true)
    expect(s.health).toBe('down')
    s.record(outcome(true))
    expect(s.health).toBe('down')
    s.record(outcome(false))
    s.record(outcome(true))
    expect(s.health).toBe('down')
    s.record(outcome(true))
    expect(s.health).toBe('up')
    expect(s.transitions).toBe(2)
    expect(s.runs).toBe(11)
    expect(s.failures).toBe(6)
  })

  it('starts down when the first result fails', () => {
    const s = state(2, 3)
    s.record(outcome(false))
    expect(s.snapshot()).toMatchObject({ health: 'down', status: 'fail', transitions: 0 })
  })

  it('uses the HAProxy defaults rise 2 and fall 3', () => {
    const [check] = resolveOptions({ checks: [{ type: 'custom', name: 'c', check: () => true }] }).checks
    expect(check).toMatchObject({ rise: 2, fall: 3, timeout: 2000, critical: true })
  })
})

describe('background polling', () => {
  it('runs each check at the interval, counted from the end of the previous run', async () => {
    fakeTimers()
    let calls = 0
    const poller = new Poller({
      checks: resolveOptions({ checks: [{ type: 'custom', name: 'c', check: () => { calls++ } }] }).checks,
      interval: 1000,
      jitter: 0,
      dispatcher,
      onResult: () => {},
    })
    poller.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(999)
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toBe(2)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(calls).toBe(12)
    poller.stop()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(calls).toBe(12)
  })

  it('keeps polling when a result listener throws', async () => {
    fakeTimers()
    let calls = 0
    const poller = new Poller({
      checks: resolveOptions({ checks: [{ type: 'custom', name: 'c', check: () => { calls++ } }] }).checks,
      interval: 100,
      jitter: 0,
      dispatcher,
      onResult: () => { throw new Error('listener bug') },
    })
    poller.start()
    await vi.advanceTimersByTimeAsync(350)
    expect(calls).toBe(4)
    poller.stop()
  })

  it('spreads the interval by ±jitter', () => {
    const make = (random: number) => new Poller({ checks: [], interval: 1000, jitter: 0.1, dispatcher, onResult: () => {}, random: () => random })
    expect(make(0).nextDelay()).toBe(900)
    expect(make(0.5).nextDelay()).toBe(1000)
    expect(make(0.999999).nextDelay()).toBe(1100)
  })

  it('applies the jitter to the schedule', async () => {
    fakeTimers()
    let calls = 0
    const poller = new Poller({
      checks: resolveOptions({ checks: [{ type: 'custom', name: 'c', check: () => { calls++ } }] }).checks,
      interval: 1000,
      jitter: 0.1,
      dispatcher,
      onResult: () => {},
      random: () => 0,
    })
    poller.start()
    await vi.advanceTimersByTimeAsync(899)
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toBe(2)
    poller.stop()
  })

  it('waits for a hung check only until its timeout before polling it again', async () => {
    fakeTimers()
    let calls = 0
    const poller = new Poller({
      checks: resolveOptions({ timeout: 500, checks: [{ type: 'custom', name: 'c', check: () => { calls++; return new Promise(() => {}) } }] }).checks,
      interval: 1000,
      jitter: 0,
      dispatcher,
      onResult: () => {},
    })
    poller.start()
    await vi.advanceTimersByTimeAsync(499)
    expect(poller.states[0]!.last).toBeNull()
    await vi.advanceTimersByTimeAsync(1)
    expect(poller.states[0]!.last).toMatchObject({ ok: false, output: 'timed out after 500 ms' })
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls).toBe(2)
    poller.stop()
  })

  it('answers 1 000 probes a second from the snapshot: the backend only sees interval-driven polls', async () => {
    const backend = await backends.http((_req, res) => res.end('alive'))
    const app = await buildApp({ interval: 250, jitter: 0, checks: [{ type: 'http', name: 'node1', url: `${backend.url}/node1/isalive` }] }, opened)
    await app.listen({ port: 0, host: '127.0.0.1' })
    await app.healthWatchdog.refresh()
    const before = backend.hits()
    const started = performance.now()
    let ok = 0
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(Array.from({ length: 100 }, () => app.inject('/healthz')))
      ok += responses.filter((r) => r.statusCode === 200 && r.body === 'OK').length
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const elapsed = performance.now() - started
    expect(ok).toBe(1000)
    // ~1 s at one poll per 250 ms: about 4 polls, never one per probe.
    expect(backend.hits() - before).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 1)
    expect(backend.hits() - before).toBeGreaterThanOrEqual(2)
  })
})

describe('first round', () => {
  it('answers 503 STARTING until every check has run once', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => { release = resolve })
    const app = await buildApp({ checks: [{ type: 'custom', name: 'slow', check: () => gate }] }, opened)
    await app.ready()
    const starting = await app.inject('/healthz')
    expect(starting.statusCode).toBe(503)
    expect(starting.body).toBe('STARTING')
    expect(app.healthWatchdog.snapshot().status).toBe('starting')
    release()
    await app.healthWatchdog.refresh()
    const ready = await app.inject('/healthz')
    expect(ready.statusCode).toBe(200)
    expect(ready.body).toBe('OK')
  })

  it('answers from the start when waitForFirstRound is false', async () => {
    const app = await buildApp({ waitForFirstRound: false, checks: [{ type: 'custom', name: 'slow', check: () => new Promise(() => {}) }] }, opened)
    await app.ready()
    const res = await app.inject('/healthz')
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('OK')
  })
})

describe('on-demand mode', () => {
  it('runs no background work and re-runs the checks only when the cache is older than cacheTtl', async () => {
    fakeTimers()
    let calls = 0
    const app = await buildApp({ mode: 'on-demand', cacheTtl: 1000, checks: [{ type: 'custom', name: 'c', check: () => { calls++ } }] }, opened)
    await app.ready()
    await vi.advanceTimersByTimeAsync(5000)
    expect(calls).toBe(0)
    const first = await app.inject('/healthz')
    expect(first.statusCode).toBe(200)
    expect(first.body).toBe('OK')
    expect(calls).toBe(1)
    for (let i = 0; i < 10; i++) await app.inject('/healthz')
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(1001)
    await app.inject('/healthz')
    expect(calls).toBe(2)
  })
})
