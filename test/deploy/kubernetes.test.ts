// deploy/kubernetes.yaml, checked without a cluster: parsed as YAML (`yaml`), every object validated
// against the Kubernetes 1.34 API (`kubernetes-models`: its OpenAPI validators and, for unknown fields,
// its generated types), the API server's own rules for the fields it uses, the objects against each
// other, and the container's command line against `verpo serve`'s parser. Each check is also shown
// to catch what it is for, on a broken copy of the manifest.
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { serveOptions } from '../../lib/cli/serve';
import { DEFAULT_LIMITS } from '../../lib/exec/validate';
import { apiRuleErrors, consistencyErrors, type K8sObject, quantity, schemaErrors, strictFieldErrors } from './manifest-checks';

const MANIFEST = path.resolve(__dirname, '..', '..', 'deploy', 'kubernetes.yaml');

function load(text: string): K8sObject[] {
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true, strict: true });
  if (!Array.isArray(docs)) return [];
  const problems = docs.flatMap((d, i) => [...d.errors, ...d.warnings].map((e) => `document ${i + 1}: ${e.message}`));
  if (problems.length) throw new Error(problems.join('\n'));
  return docs.map((d) => d.toJS() as K8sObject);
}

const objects = load(fs.readFileSync(MANIFEST, 'utf8'));

/** What verpo needs of its own container: the arguments `verpo serve` accepts, listening where the
 *  Service can reach it, with a token, probes on /healthz, a writable /tmp for the sandbox's
 *  workdirs under a read-only root, and resources sized as the comments say (a core per concurrent
 *  test; per test its memory limit, plus Node's share). */
function verpoErrors(all: K8sObject[]): string[] {
  const errors: string[] = [];
  const d = all.find((o) => o.kind === 'Deployment');
  const c = d?.spec?.template?.spec?.containers?.[0];
  if (!c) return ['no Deployment with a container'];
  const args: string[] = c.args ?? [];
  if (args[0] !== 'serve') errors.push(`args: the first argument is ${JSON.stringify(args[0])}, not "serve" (the image's entrypoint is the verpo command)`);
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) env[e.name] = e.value ?? `<from ${e.valueFrom ? Object.keys(e.valueFrom)[0] : 'nowhere'}>`;
  let o: ReturnType<typeof serveOptions>;
  try {
    o = serveOptions(args.slice(1), env);
  } catch (e) {
    return [...errors, `args: verpo serve refuses them: ${(e as Error).message}`];
  }
  if (o.host === undefined || /^(127\.|localhost$|::1$)/.test(o.host)) errors.push(`args: --host ${o.host} listens on loopback only: the Service cannot reach the pod (use --host 0.0.0.0)`);
  if (o.token === undefined) errors.push('no token: neither --token nor VERPO_TOKEN (the server would run programs for anyone who reaches it)');
  else if (!c.env?.some((e: any) => e.name === 'VERPO_TOKEN' && e.valueFrom?.secretKeyRef)) errors.push('the token is not read from a Secret');
  const http = (c.ports ?? []).find((p: any) => p.name === 'http');
  if (!http) errors.push('no container port named http');
  else if (http.containerPort !== o.port) errors.push(`containerPort ${http.containerPort} is not the port verpo listens on (--port ${o.port})`);
  for (const probe of ['readinessProbe', 'livenessProbe']) {
    if (c[probe]?.httpGet?.path !== '/healthz') errors.push(`${probe}: expected httpGet /healthz (the route that says whether the sandbox works), got ${JSON.stringify(c[probe]?.httpGet)}`);
  }
  const annotations = d!.spec.template.metadata?.annotations ?? {};
  if (annotations['prometheus.io/port'] !== undefined && Number(annotations['prometheus.io/port']) !== o.port) errors.push(`prometheus.io/port ${annotations['prometheus.io/port']} is not --port ${o.port}`);
  if (c.securityContext?.readOnlyRootFilesystem) {
    const tmp = (c.volumeMounts ?? []).find((m: any) => m.mountPath === (env.TMPDIR ?? '/tmp'));
    const volume = tmp && (d!.spec.template.spec.volumes ?? []).find((v: any) => v.name === tmp.name);
    if (!volume?.emptyDir || tmp.readOnly) errors.push('readOnlyRootFilesystem: the sandbox writes its workdirs in the temp dir (/tmp), which must be a writable emptyDir mount');
  }
  const concurrency = o.concurrency;
  if (concurrency === undefined) errors.push('args: no --concurrency (it would be the node\'s core count, not the pod\'s CPU request)');
  else {
    const cpu = quantity(c.resources?.requests?.cpu);
    const memory = quantity(c.resources?.requests?.memory);
    const perTest = (o.limits?.memoryMb ?? DEFAULT_LIMITS.memoryMb) * 2 ** 20;
    if (cpu === null || cpu < concurrency) errors.push(`resources.requests.cpu ${c.resources?.requests?.cpu}: less than one core per concurrent test (--concurrency ${concurrency})`);
    if (memory === null || memory < concurrency * perTest + 512 * 2 ** 20) errors.push(`resources.requests.memory ${c.resources?.requests?.memory}: less than ${concurrency} tests x ${perTest / 2 ** 20} MiB + 512 MiB for Node`);
  }
  return errors;
}

function broken(edit: (all: K8sObject[]) => void): K8sObject[] {
  const copy = structuredClone(objects);
  edit(copy);
  return copy;
}
const deployment = (all: K8sObject[]) => all.find((o) => o.kind === 'Deployment')!;
const container = (all: K8sObject[]) => deployment(all).spec.template.spec.containers[0];
const service = (all: K8sObject[]) => all.find((o) => o.kind === 'Service')!;

describe('deploy/kubernetes.yaml', () => {
  it('is YAML without errors, warnings or duplicate keys: a Namespace, a Secret, a Deployment and a Service', () => {
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`)).toEqual([
      'v1 Namespace -/verpo', 'v1 Secret verpo/verpo-token', 'apps/v1 Deployment verpo/verpo', 'v1 Service verpo/verpo']);
    expect(() => load('a: 1\na: 2\n')).toThrow(/Map keys must be unique/);
  });

  it('every object is valid against the Kubernetes API schemas (OpenAPI: types, enums, required fields)', async () => {
    expect(await schemaErrors(objects)).toEqual([]);
  });

  it('no field the API does not know (strict field validation, as kubectl apply does by default)', () => {
    expect(strictFieldErrors(objects)).toEqual([]);
  });

  it('the API server\'s validation rules for the fields it uses', () => {
    expect(apiRuleErrors(objects)).toEqual([]);
  });

  it('the objects fit together: Pod Security admits the pods, the Service selects them, named ports and the Secret\'s key exist', () => {
    expect(consistencyErrors(objects)).toEqual([]);
  });

  it('the container runs verpo serve as the Service needs it', () => {
    expect(verpoErrors(objects)).toEqual([]);
  });
});

describe('the checks catch what they are for (on broken copies)', () => {
  it('schema: a wrong type, a value outside an enum', async () => {
    const bad = broken((all) => {
      container(all).ports[0].containerPort = '8080';
      service(all).spec.type = 'Internal';
    });
    const errors = await schemaErrors(bad);
    expect(errors.join('\n')).toMatch(/Deployment verpo: .*containerPort must be integer/);
    expect(errors.join('\n')).toMatch(/Service verpo: .*type must be equal to one of the allowed values/);
  });

  it('strict fields: a misspelt field, which the schema alone lets through', async () => {
    const bad = broken((all) => {
      container(all).securityContext.readOnlyRootFilesytem = true;
      deployment(all).spec.template.spec.hostUser = false;
    });
    expect(await schemaErrors(bad)).toEqual([]);
    expect(strictFieldErrors(bad)).toEqual([
      'Deployment verpo: spec.template.spec.hostUser: unknown field (the API\'s IPodSpec has no "hostUser")',
      'Deployment verpo: spec.template.spec.containers[0].securityContext.readOnlyRootFilesytem: unknown field (the API\'s ISecurityContext has no "readOnlyRootFilesytem")',
    ]);
    // a type error deep inside is named by its path too
    expect(strictFieldErrors(broken((all) => (container(all).ports[0].containerPort = '8080')))).toEqual([
      'Deployment verpo: spec.template.spec.containers[0].ports[0].containerPort: Type \'string\' is not assignable to type \'number\'.',
    ]);
  });

  it('API rules: selector vs template, requests over limits, names, ports, securityContext, mounts', () => {
    const bad = broken((all) => {
      const d = deployment(all);
      d.spec.selector.matchLabels = { app: 'verpo-server' };
      const c = container(all);
      c.resources.requests.cpu = '8';
      c.ports[0].name = 'http-api-endpoint';
      c.securityContext.capabilities.add = ['CAP_SYS_ADMIN'];
      c.volumeMounts[0].name = 'scratch';
      service(all).metadata!.name = '1verpo';
      d.spec.strategy.rollingUpdate = { maxUnavailable: 0, maxSurge: 0 };
    });
    const errors = apiRuleErrors(bad).join('\n');
    expect(errors).toMatch(/`selector` does not match template `labels`/);
    expect(errors).toMatch(/resources.requests: Invalid value: "8": must be less than or equal to cpu limit of 4/);
    expect(errors).toMatch(/ports\[0\].name: Invalid value: "http-api-endpoint": must be an IANA_SVC_NAME/);
    expect(errors).toMatch(/cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN/);
    expect(errors).toMatch(/volumeMounts\[0\].name: Not found: "scratch"/);
    expect(errors).toMatch(/Service 1verpo: metadata.name: Invalid value: "1verpo": a DNS-1035 label/);
    expect(errors).toMatch(/maxUnavailable: Invalid value: may not be 0 when `maxSurge` is 0/);
  });

  it('consistency: pods that Pod Security admission refuses, a Service without endpoints, a port or a Secret key that does not exist', () => {
    const elsewhere = consistencyErrors(broken((all) => {
      all.splice(0, 1); // no Namespace: the objects' own namespace fields say verpo, which nothing creates
      for (const o of all) delete o.metadata!.namespace;
    }));
    expect(elsewhere).toEqual(['Deployment verpo: its pods need the Pod Security level "privileged" (baseline forbids container verpo: capabilities.add SYS_ADMIN; '
      + 'container verpo: seccompProfile Unconfined; container verpo: appArmorProfile Unconfined), but they land in whatever namespace kubectl uses, whose level '
      + 'the manifest cannot know: where baseline is enforced, the Deployment is created and its pods are refused']);
    const baseline = consistencyErrors(broken((all) => (all[0].metadata!.labels!['pod-security.kubernetes.io/enforce'] = 'baseline')));
    expect(baseline.join('\n')).toMatch(/namespace verpo enforces baseline: where baseline is enforced/);
    const split = consistencyErrors(broken((all) => (service(all).metadata!.namespace = 'default'))).join('\n');
    expect(split).toMatch(/Service verpo: namespace default is not the manifest's \(verpo\)/);
    expect(split).toMatch(/Service verpo: its selector \{"app":"verpo"\} selects the pods of no Deployment/);
    const noPods = consistencyErrors(broken((all) => (service(all).spec.selector = { app: 'other' })));
    expect(noPods).toEqual(['Service verpo: its selector {"app":"other"} selects the pods of no Deployment in the manifest (the Service would have no endpoints)']);
    const errors = consistencyErrors(broken((all) => {
      service(all).spec.ports[0].targetPort = 'web';
      container(all).readinessProbe.httpGet.port = 'metrics';
      container(all).env[0].valueFrom.secretKeyRef.key = 'bearer';
    })).join('\n');
    expect(errors).toMatch(/port http targets "web", which no container of Deployment verpo exposes/);
    expect(errors).toMatch(/readinessProbe uses port "metrics"/);
    expect(errors).toMatch(/reads key bearer of Secret verpo-token, which has no such key/);
  });

  it('verpo: flags serve refuses, loopback only, no token, a port or resources that disagree', () => {
    const typo = verpoErrors(broken((all) => container(all).args.push('--concurency', '4')));
    expect(typo).toHaveLength(1);
    expect(typo[0]).toMatch(/^args: verpo serve refuses them: Unknown option '--concurency'/);
    const errors = verpoErrors(broken((all) => {
      const c = container(all);
      c.args = ['serve', '--host', '127.0.0.1', '--port', '9000', '--concurrency', '8'];
      c.env = [];
      c.volumeMounts = [];
    })).join('\n');
    expect(errors).toMatch(/--host 127.0.0.1 listens on loopback only/);
    expect(errors).toMatch(/no token/);
    expect(errors).toMatch(/containerPort 8080 is not the port verpo listens on \(--port 9000\)/);
    expect(errors).toMatch(/prometheus.io\/port 8080 is not --port 9000/);
    expect(errors).toMatch(/must be a writable emptyDir mount/);
    expect(errors).toMatch(/resources.requests.cpu 4: less than one core per concurrent test \(--concurrency 8\)/);
    expect(errors).toMatch(/resources.requests.memory 3Gi: less than 8 tests x 512 MiB \+ 512 MiB/);
  });

  it('quantities', () => {
    expect([quantity('4'), quantity('500m'), quantity('3Gi'), quantity('1e3'), quantity(2), quantity('1.5Mi'), quantity('4 cores')]).toEqual([4, 0.5, 3 * 2 ** 30, 1000, 2, 1.5 * 2 ** 20, null]);
  });
});
