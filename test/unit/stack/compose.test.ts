// docker-compose.yml cannot run here (no Docker engine), so it is held to the Compose
// Specification's schema and to the rules a mistake would break: health checks, start order,
// localhost-only ports, named volumes, no inline secrets, .env.example complete, Encore's plugin
// ids allowed unsigned, mounted files present, and the same flags the native stack uses.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { APP_PLUGIN_ID, DATASOURCE_PLUGIN_ID, PANEL_PLUGIN_IDS } from '../../../src/common/plugin-ids';
import {
  BACKFILL_DAYS,
  backfillArgs,
  collectorEnvironment,
  CONTAINER_PATHS,
  liveArgs,
  NODE_ENTRIES,
  prometheusArgs,
  redisArgs,
  REPO_ROOT,
  SERVICE_PORTS,
  SIMULATOR_DEFAULTS,
  simulatorEnvironment,
  STACK_FILES,
  TOKEN_FILE,
} from '../../../src/stack/services';
import { SERVICE_ENTRIES } from '../../../scripts/build-services.mjs';
import { dockerStages, interpolateAll, parseCompose, parseEnvFile, readComposeText, references, type ComposeFile, type ComposeService } from '../../support/compose';

const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'compose-spec', 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
const validate = ajv.compile(schema);

const text = readComposeText();
const compose = parseCompose(text);
const env = parseEnvFile();
const resolved = interpolateAll(compose, env);
const services = Object.entries(compose.services);
const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');

function schemaErrors(file: unknown): string[] {
  return validate(file) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

const command = (service: ComposeService) => (Array.isArray(service.command) ? service.command : []);

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('is valid as written and after interpolation with .env.example', () => {
    assert.deepEqual(schemaErrors(compose), []);
    assert.deepEqual(schemaErrors(resolved), []);
  });

  it('the validator does reject what Compose would (so a pass means something)', () => {
    const broken = structuredClone(compose) as ComposeFile;
    broken.services.grafana!.depends_on = { prometheus: { condition: 'service_ready' } };
    (broken.services.redis as Record<string, unknown>).healthcheck = { test: ['CMD', 'true'], intervall: '5s' };
    (broken as Record<string, unknown>).servics = {};
    const errors = schemaErrors(broken).join('\n');
    assert.match(errors, /\/services\/grafana\/depends_on\/prometheus\/condition must be equal to one of the allowed values/);
    assert.match(errors, /\/services\/redis\/healthcheck must NOT have additional properties .*intervall/);
    assert.match(errors, /\/ must NOT have additional properties .*servics/);
  });
});

describe('docker-compose.yml: the rules of this stack', () => {
  it('has the services of the stack', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['backfill', 'collector', 'grafana', 'prometheus', 'redis', 'simulator']);
  });

  it('gives every service a health check that runs a command', () => {
    for (const [name, service] of services) {
      const test = service.healthcheck?.test;
      assert.ok(Array.isArray(test) && (test[0] === 'CMD' || test[0] === 'CMD-SHELL') && test.length > 1, `${name}: healthcheck.test should be ["CMD", ...] or ["CMD-SHELL", ...], got ${JSON.stringify(test)}`);
      assert.notEqual(service.healthcheck?.disable, true, `${name}: health check disabled`);
    }
  });

  it('publishes ports on 127.0.0.1 only, on the ports the native stack also uses by default', () => {
    const published: Record<string, string[]> = {};
    for (const [name, service] of services) {
      for (const port of service.ports ?? []) {
        assert.equal(typeof port, 'string', `${name}: use the "127.0.0.1:HOST:CONTAINER" form, got ${JSON.stringify(port)}`);
        assert.match(port as string, /^127\.0\.0\.1:/, `${name}: port ${String(port)} is not bound to 127.0.0.1`);
        (published[name] ??= []).push(port as string);
      }
    }
    const resolvedPorts = Object.fromEntries(Object.entries(published).map(([name]) => [name, resolved.services[name]!.ports]));
    assert.deepEqual(resolvedPorts, {
      grafana: [`127.0.0.1:${SERVICE_PORTS.grafana}:3000`],
      prometheus: [`127.0.0.1:${SERVICE_PORTS.prometheus}:9090`],
      redis: [`127.0.0.1:${SERVICE_PORTS.redis}:6379`],
      collector: [`127.0.0.1:${SERVICE_PORTS.collector}:9464`],
    });
  });

  it('orders start-up with depends_on conditions', () => {
    const order: Record<string, Record<string, string>> = {};
    for (const [name, service] of services) {
      if (service.depends_on === undefined) continue;
      assert.ok(!Array.isArray(service.depends_on), `${name}: depends_on needs conditions, not a list`);
      for (const [dependency, spec] of Object.entries(service.depends_on)) {
        assert.ok(compose.services[dependency], `${name} depends on a service that does not exist: ${dependency}`);
        (order[name] ??= {})[dependency] = spec.condition;
      }
    }
    assert.deepEqual(order, {
      grafana: { prometheus: 'service_healthy', redis: 'service_healthy' },
      // the collector stops before Prometheus, which takes its final scrape
      collector: { prometheus: 'service_healthy' },
      simulator: { collector: 'service_healthy' },
      backfill: { prometheus: 'service_healthy' },
    });
  });

  it('declares every named volume it mounts, and mounts every one it declares', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const used = new Set<string>();
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        assert.equal(typeof volume, 'string', `${name}: short volume syntax expected`);
        const source = (volume as string).split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) continue;
        assert.ok(declared.has(source), `${name}: volume ${source} is not declared under volumes:`);
        used.add(source);
      }
    }
    assert.deepEqual([...declared].sort(), [...used].sort());
    assert.deepEqual([...declared].sort(), ['collector-token', 'grafana-data', 'prometheus-data', 'redis-data']);
  });

  it('mounts only paths that exist in the repository, read-only', () => {
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        const [source, target, mode] = (volume as string).split(':');
        if (!source!.startsWith('.')) continue;
        assert.ok(existsSync(join(REPO_ROOT, source!)), `${name}: ${source} does not exist`);
        assert.equal(mode, 'ro', `${name}: ${source} -> ${target} should be read-only`);
      }
    }
  });

  it('writes no secret inline: secret-looking settings are ${VAR} references without a default', () => {
    const secretName = /PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE|WEBHOOK/i;
    let checked = 0;
    for (const [name, service] of services) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!secretName.test(key) || /_FILE$/.test(key)) continue;
        checked++;
        // no default, or a placeholder on a reserved domain that reaches nobody (RFC 2606 .invalid)
        assert.match(
          String(value),
          /^\$\{[A-Z_][A-Z0-9_]*(:-(https:\/\/[a-z.]+\.invalid\/[a-z-]+)?)?\}$/,
          `${name}: ${key} must be a \${VAR} reference without a real default, got ${JSON.stringify(value)}`,
        );
      }
    }
    assert.ok(checked >= 5, `only ${checked} secret settings found: is the pattern still right?`);
    // nothing that looks like a credential anywhere in the file
    assert.doesNotMatch(text, /(password|token|secret)\s*[:=]\s*["']?[A-Za-z0-9_\-+/]{12,}/i);
  });

  it('.env.example defines every variable the file uses, with the file\'s defaults, and nothing else', () => {
    const used = references(text);
    const names = new Set(used.map((r) => r.name));
    assert.deepEqual([...names].filter((n) => !env.has(n)), [], 'used in docker-compose.yml but not in .env.example');
    assert.deepEqual([...env.keys()].filter((n) => !names.has(n)), [], 'in .env.example but not used by docker-compose.yml');
    for (const reference of used) {
      assert.equal(reference.operator, ':-', `\${${reference.name}} needs a default (the stack runs without a .env)`);
      assert.equal(env.get(reference.name), reference.argument, `${reference.name}: .env.example and the file's default differ`);
    }
  });

  it('keeps .env out of git and out of the image build context', () => {
    assert.ok(readFileSync(join(REPO_ROOT, '.gitignore'), 'utf8').split('\n').includes('.env'));
    assert.ok(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').includes('.env'));
  });
});

describe('docker-compose.yml: Grafana', () => {
  const grafana = resolved.services.grafana!;

  it('allows unsigned loading for exactly Encore\'s plugin ids', () => {
    const allowed = String(grafana.environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).split(',').map((id) => id.trim());
    assert.deepEqual([...allowed].sort(), [APP_PLUGIN_ID, DATASOURCE_PLUGIN_ID, ...PANEL_PLUGIN_IDS].sort());
    assert.equal(new Set(allowed).size, allowed.length, 'an id is listed twice');
  });

  it('mounts the whole provisioning folder and keeps anonymous access off by default', () => {
    assert.ok(compose.services.grafana!.volumes!.includes(`./${STACK_FILES.grafanaProvisioning}:${CONTAINER_PATHS.grafanaProvisioning}:ro`));
    assert.equal(grafana.environment?.GF_AUTH_ANONYMOUS_ENABLED, 'false');
    assert.equal(grafana.environment?.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer');
  });

  it('is built from the Dockerfile stage with the Grafana version the plugin builds against', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const grafanaStage = dockerStages(dockerfile).find((stage) => stage.name === 'grafana');
    assert.equal(grafanaStage?.image, `grafana/grafana:${pkg.devDependencies['@grafana/data']}`);
    assert.deepEqual(compose.services.grafana!.build, { context: '.', target: 'grafana' });
    assert.equal(dockerStages(dockerfile).at(-1)?.name, 'grafana', 'grafana stays the last stage (the default of `docker build .`)');
  });
});

describe('docker-compose.yml: the same services as the native stack', () => {
  const s = resolved.services;

  it('pins every image, and the promtool of the services image is from the compose Prometheus', () => {
    for (const [name, service] of Object.entries(s)) {
      if (service.image === undefined) continue;
      assert.match(service.image, /^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/, `${name}: pin an exact version, got ${service.image}`);
    }
    const stages = dockerStages(dockerfile);
    assert.equal(stages.find((stage) => stage.name === 'prometheus')?.image, s.prometheus!.image);
    const stageNames = new Set(stages.map((stage) => stage.name));
    for (const stage of stages.filter((st) => !stageNames.has(st.image))) assert.match(stage.image, /:[^:]*\d/, `Dockerfile: pin ${stage.image}`);
  });

  it('builds the collector, simulator and backfill from the services stage, which ships their bundles', () => {
    const names = new Set(dockerStages(dockerfile).map((stage) => stage.name));
    for (const name of ['collector', 'simulator', 'backfill']) {
      assert.deepEqual(compose.services[name]!.build, { context: '.', target: 'services' }, name);
      assert.ok(names.has('services'));
      const [entry] = command(s[name]!);
      assert.match(entry!, /^\/app\/[a-z]+\.mjs$/);
      assert.ok(Object.keys(SERVICE_ENTRIES).includes(entry!.slice('/app/'.length, -'.mjs'.length)), `${entry} is not bundled by scripts/build-services.mjs`);
    }
    for (const [name, service] of Object.entries(s)) {
      const test = service.healthcheck!.test as string[];
      if (test[1] === 'node') assert.ok(Object.keys(SERVICE_ENTRIES).includes(test[2]!.slice('/app/'.length, -'.mjs'.length)), `${name}: ${test[2]} is not bundled`);
    }
    assert.match(dockerfile, /COPY --from=services-build \/src\/build\/services\/ \/app\//);
    assert.match(dockerfile, /RUN node scripts\/build-services\.mjs/);
  });

  it('bundles for the image the entry points the native stack runs', () => {
    assert.deepEqual(SERVICE_ENTRIES, NODE_ENTRIES);
  });

  it('runs Prometheus with the flags of the native stack and the shared prometheus.yml', () => {
    assert.deepEqual(
      s.prometheus!.command,
      prometheusArgs({ configFile: `${CONTAINER_PATHS.prometheusConfigDir}/prometheus.yml`, dataDir: CONTAINER_PATHS.prometheusData, listen: `0.0.0.0:${SERVICE_PORTS.prometheus}` }),
    );
    assert.ok(compose.services.prometheus!.volumes!.includes(`./${STACK_FILES.prometheusConfig.replace(/\/prometheus\.yml$/, '')}:${CONTAINER_PATHS.prometheusConfigDir}:ro`));
    assert.ok(statSync(join(REPO_ROOT, STACK_FILES.prometheusConfig)).isFile());
  });

  it('runs Redis with the shared redis.conf', () => {
    assert.deepEqual(s.redis!.command, ['redis-server', ...redisArgs({ configFile: CONTAINER_PATHS.redisConfig })]);
    assert.ok(compose.services.redis!.volumes!.includes(`./${STACK_FILES.redisConfig}:${CONTAINER_PATHS.redisConfig}:ro`));
  });

  it('configures the collector as the native stack does', () => {
    const expected = collectorEnvironment({ host: '0.0.0.0', port: SERVICE_PORTS.collector, tokenFile: `${CONTAINER_PATHS.tokenDir}/${TOKEN_FILE}`, token: env.get('ENCORE_COLLECTOR_TOKEN') });
    const { ENCORE_LOG_LEVEL, ...environment } = s.collector!.environment!;
    assert.equal(ENCORE_LOG_LEVEL, 'info');
    assert.deepEqual(environment, expected);
    assert.ok(compose.services.collector!.volumes!.includes(`collector-token:${CONTAINER_PATHS.tokenDir}`));
  });

  it('runs the live simulator and the backfill with the native stack\'s arguments, on the shared scenario files', () => {
    const scenario = (file: string) => `${CONTAINER_PATHS.simulatorConfigDir}/${file.split('/').at(-1)}`;
    const common = { users: SIMULATOR_DEFAULTS.users, seed: SIMULATOR_DEFAULTS.seed };
    assert.deepEqual(command(s.simulator!), [
      '/app/simulator.mjs',
      ...liveArgs({ ...common, collectorUrl: `http://collector:${SERVICE_PORTS.collector}`, scenario: scenario(STACK_FILES.liveScenario), statusFile: '/tmp/simulator-status.json' }),
    ]);
    assert.deepEqual(command(s.backfill!), [
      '/app/simulator.mjs',
      ...backfillArgs({
        ...common,
        days: BACKFILL_DAYS.compose,
        scenario: scenario(STACK_FILES.historyScenario),
        tsdb: CONTAINER_PATHS.prometheusData,
        workDir: '/tmp/backfill',
        statusFile: '/tmp/backfill-status.json',
      }),
    ]);
    assert.deepEqual(s.simulator!.environment, simulatorEnvironment({ tokenFile: `${CONTAINER_PATHS.tokenDir}/${TOKEN_FILE}`, token: '' }));
    for (const name of ['simulator', 'backfill']) {
      const mount = `./${STACK_FILES.liveScenario.replace(/\/[^/]+$/, '')}:${CONTAINER_PATHS.simulatorConfigDir}:ro`;
      assert.ok(compose.services[name]!.volumes!.includes(mount), `${name} mounts ${mount}`);
    }
    for (const file of [STACK_FILES.liveScenario, STACK_FILES.historyScenario]) assert.ok(existsSync(join(REPO_ROOT, file)), file);
  });

  it('backfills into the Prometheus volume as Prometheus\' user, once', () => {
    assert.equal(s.backfill!.user, '65534:65534');
    assert.ok(compose.services.backfill!.volumes!.includes(`prometheus-data:${CONTAINER_PATHS.prometheusData}`));
    assert.ok(compose.services.prometheus!.volumes!.includes(`prometheus-data:${CONTAINER_PATHS.prometheusData}`));
    assert.ok(command(s.backfill!).includes('--once'));
    assert.equal(s.backfill!.restart, 'no');
  });
});
