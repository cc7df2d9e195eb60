export { buildServer, type MountedFeature } from './server.js'
export { loadConfig, redactConfig, configKeys, ConfigError, FEATURES, type ServerConfig, type Feature } from './config.js'
export { listen } from './listen.js'
export { start } from './start.js'
