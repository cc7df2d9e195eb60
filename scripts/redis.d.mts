export function startRedis (options?: { binary?: string }): Promise<{ url: string, port: number, stop: () => Promise<void> }>
