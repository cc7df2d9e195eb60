import { createHmac, randomBytes, randomInt } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hmacSha256 } from '../src/hmac.js'

describe('hmacSha256', () => {
  it('equals createHmac for random keys (shorter, equal to and longer than a block) and messages', () => {
    for (const keyLength of [0, 1, 31, 32, 63, 64, 65, 128, 200]) {
      const key = randomBytes(keyLength)
      const sign = hmacSha256(key)
      // one signer is reused for many messages: its buffers must not leak state between calls
      for (let i = 0; i < 40; i++) {
        const message = randomBytes(randomInt(0, 600)).toString(i % 2 ? 'base64url' : 'latin1')
        expect(sign(message), `key ${keyLength} bytes, message ${message.length} chars`).toBe(createHmac('sha256', key).update(message).digest('base64url'))
      }
    }
  })

  it('hashes messages as UTF-8, like createHmac', () => {
    const key = Buffer.from('a secret of some length, not a block')
    for (const message of ['Café', '漢字', '😀 emoji', 'ascii', '', 'x'.repeat(300) + 'é']) {
      expect(hmacSha256(key)(message)).toBe(createHmac('sha256', key).update(message, 'utf8').digest('base64url'))
    }
  })

  it('a longer message after a short one, then a short one again, still signs only what was given', () => {
    const key = randomBytes(32)
    const sign = hmacSha256(key)
    for (const message of ['short', 'l'.repeat(1000), 'short', 'é'.repeat(128), 'x'.repeat(256), 'y'.repeat(257), '']) {
      expect(sign(message)).toBe(createHmac('sha256', key).update(message).digest('base64url'))
    }
  })
})
