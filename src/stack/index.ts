/**
 * The Encore stack as a library: `startStack(options)` runs what docker-compose.yml runs (but
 * Grafana) as native processes; services.ts holds what both share. See docs/stack.md.
 */
export { startStack, checkBinaries, type Stack, type StackOptions, type StackService, type ServiceName } from './stack';
export * from './services';
export { renderPrometheusConfig, scrapeTargets, PrometheusConfigError } from './prometheus-config';
export { probeHttp, probeRedis, probeStatusFile, waitHealthy } from './health';
export { findFreePort, portIsFree } from './ports';
export { supervise, type Supervised, type SuperviseOptions, type ExitStatus } from './supervise';
