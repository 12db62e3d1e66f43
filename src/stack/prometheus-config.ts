/**
 * The native stack's copy of provisioning/prometheus/prometheus.yml. The file is written for the
 * compose network (targets are service names, e.g. `collector:9464`), so it is valid as it is
 * (promtool checks it in the tests) and compose mounts it unchanged. Natively those names do not
 * resolve, so the copy rewrites the host:port of every static scrape target, and nothing else:
 * comments, intervals and labels stay as they are. A target without a native address is an error,
 * so a scrape job added to the file cannot silently miss the native stack.
 */
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

export class PrometheusConfigError extends Error {
  override name = 'PrometheusConfigError';
}

/** Every static scrape target of the file, in order. */
export function scrapeTargets(text: string): string[] {
  const found: string[] = [];
  visitTargets(text, (target) => {
    found.push(target);
    return target;
  });
  return found;
}

/**
 * The file with each static target replaced by `addresses[target]` (e.g. `collector:9464` →
 * `127.0.0.1:40123`), and a first comment line saying where the copy came from.
 */
export function renderPrometheusConfig(text: string, addresses: Readonly<Record<string, string>>, source = 'provisioning/prometheus/prometheus.yml'): string {
  const missing = new Set<string>();
  const rendered = visitTargets(text, (target) => {
    const address = addresses[target];
    if (address === undefined) {
      missing.add(target);
      return target;
    }
    return address;
  });
  if (missing.size > 0) {
    throw new PrometheusConfigError(
      `${source}: no native address for the scrape target(s) ${[...missing].join(', ')} (known: ${Object.keys(addresses).join(', ') || 'none'}); add it to the native stack (src/stack/stack.ts)`,
    );
  }
  return `# Rendered from ${source} by the native Encore stack: only scrape targets differ.\n${rendered}`;
}

function visitTargets(text: string, replace: (target: string) => string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new PrometheusConfigError(`not valid YAML: ${doc.errors[0]!.message}`);
  const jobs = doc.get('scrape_configs');
  if (jobs === undefined || jobs === null) return doc.toString({ flowCollectionPadding: false });
  if (!isSeq(jobs)) throw new PrometheusConfigError('scrape_configs: expected a list of scrape jobs');
  for (const job of jobs.items) {
    if (!isMap(job)) continue;
    const statics = job.get('static_configs');
    if (!isSeq(statics)) continue;
    for (const group of statics.items) {
      if (!isMap(group)) continue;
      const targets = group.get('targets');
      if (!isSeq(targets)) continue;
      for (const item of targets.items) {
        if (!isScalar(item) || typeof item.value !== 'string') throw new PrometheusConfigError(`job ${String(job.get('job_name'))}: expected host:port strings as targets`);
        item.value = replace(item.value);
      }
    }
  }
  return doc.toString({ flowCollectionPadding: false });
}
