export function freePort (): Promise<number>
export function startPostgres (options?: { bin?: string }): Promise<{ url: string, port: number, dir: string, stop: () => Promise<void> }>
