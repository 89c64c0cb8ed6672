// Checks of a Kubernetes manifest without a cluster, each returning its findings ("" never means ok:
// an empty list does). What `kubectl apply` would do first, in layers:
//   1. the OpenAPI schema of each object (types, enums, required fields, formats): kubernetes-models'
//      validators, generated from the Kubernetes 1.34 OpenAPI document;
//   2. strict field validation (kubectl's default since 1.27 refuses unknown fields, which the OpenAPI
//      validators let through): the manifest's objects type-checked by TypeScript against
//      kubernetes-models' generated interfaces, so an unknown or misspelt field is an excess property;
//   3. the API server's own validation rules that the schema cannot express (names, label syntax,
//      selector vs template, requests <= limits, ports, securityContext combinations), transcribed
//      for the fields this manifest uses, with the API server's messages;
//   4. consistency between the objects (what applies cleanly and then fails at run time: a Service
//      that selects no pod, a named port or a Secret key that does not exist, a pod that the Pod
//      Security admission of its namespace rejects: the Deployment is created, its pods never are).
// The verpo-specific checks (the container's arguments against `verpo serve`'s parser) are in the test.
import * as path from 'path';
import ts from 'typescript';

export type K8sObject = { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, any>;

export const KINDS: Record<string, { module: string; iface: string }> = {
  'v1/Namespace': { module: 'kubernetes-models/v1/Namespace', iface: 'INamespace' },
  'v1/Secret': { module: 'kubernetes-models/v1/Secret', iface: 'ISecret' },
  'v1/Service': { module: 'kubernetes-models/v1/Service', iface: 'IService' },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', iface: 'IDeployment' },
};

export function describe(o: K8sObject): string {
  return `${o.kind} ${o.metadata?.name ?? '(no name)'}`;
}

// -- 1. OpenAPI schema ---------------------------------------------------------------------------

export async function schemaErrors(objects: K8sObject[]): Promise<string[]> {
  const errors: string[] = [];
  for (const o of objects) {
    const kind = KINDS[`${o.apiVersion}/${o.kind}`];
    if (!kind) {
      errors.push(`${describe(o)}: ${o.apiVersion} ${o.kind} is not a kind this check knows (${Object.keys(KINDS).join(', ')})`);
      continue;
    }
    const mod = (await import(kind.module)) as Record<string, new (data: unknown) => { validate(): void }>;
    try {
      new mod[o.kind](o).validate();
    } catch (e) {
      errors.push(`${describe(o)}: ${(e as Error).message}`);
    }
  }
  return errors;
}

// -- 2. strict fields: TypeScript against the generated interfaces ---------------------------------

const ROOT = path.resolve(__dirname, '..', '..');
let previous: ts.Program | undefined;

export function strictFieldErrors(objects: K8sObject[]): string[] {
  const file = path.join(ROOT, 'test', 'deploy', '__manifest_objects__.ts'); // in memory only
  const lines: string[] = [];
  const starts: number[] = [];
  const used = new Set<string>();
  objects.forEach((o) => {
    const kind = KINDS[`${o.apiVersion}/${o.kind}`];
    if (kind) used.add(`${o.apiVersion}/${o.kind}`);
  });
  for (const k of used) lines.push(`import type { ${KINDS[k].iface} } from '${KINDS[k].module}';`);
  objects.forEach((o, i) => {
    const kind = KINDS[`${o.apiVersion}/${o.kind}`];
    starts.push(lines.length);
    lines.push(...`export const object${i}: ${kind ? kind.iface : 'never'} = ${JSON.stringify(o, null, 2)};`.split('\n'));
  });
  const text = lines.join('\n') + '\n';
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(file, text, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === file ? text : readFile(name));
  // the previous program's unchanged files (the models' declarations) are reused: the second and
  // later checks take a fraction of the first's time
  const program = ts.createProgram([file], options, host, previous);
  previous = program;
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const objectAt = (node: ts.Node): string => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
    let i = starts.length - 1;
    while (i > 0 && starts[i] > line) i--;
    return line < starts[0] ? 'imports' : describe(objects[i]);
  };
  // Every field of every object literal against the properties of the type the API gives it: all
  // unknown fields at once (TypeScript's own excess-property error stops at the first per object).
  const errors: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      const contextual = checker.getContextualType(node);
      const type = contextual && checker.getNonNullableType(contextual);
      const members = type ? (type.isUnion() ? type.types : [type]) : [];
      const open = members.length === 0 || members.some((t) => (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0 || checker.getIndexInfosOfType(t).length > 0);
      if (!open) {
        const known = new Set(members.flatMap((t) => checker.getPropertiesOfType(t).map((p) => p.name)));
        for (const p of node.properties) {
          const name = p.name && (ts.isStringLiteral(p.name) || ts.isIdentifier(p.name)) ? p.name.text : null;
          if (name !== null && !known.has(name)) {
            errors.push(`${objectAt(p)}: ${jsonPath(p)}: unknown field (the API's ${members.map((t) => checker.typeToString(t)).join(' | ')} has no "${name}")`);
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.code === 2353 || d.code === 2561) continue; // excess properties: reported above, all of them
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    if (d.file?.fileName !== file || d.start === undefined) errors.push(`TypeScript: ${message}`);
    else {
      const node = findNode(source, d.start);
      errors.push(`${objectAt(node)}: ${jsonPath(node)}: ${message}`);
    }
  }
  return errors;
}

/** The innermost node at a position of the generated file. */
function findNode(source: ts.SourceFile, pos: number): ts.Node {
  let found: ts.Node = source;
  const visit = (n: ts.Node) => {
    if (n.getStart(source) <= pos && pos < n.getEnd()) {
      found = n;
      ts.forEachChild(n, visit);
    }
  };
  ts.forEachChild(source, visit);
  return found;
}

/** Where a node of the generated object literal is, as a path in the manifest's object:
 *  spec.template.spec.containers[0].securityContext.readOnlyRootFilesytem */
function jsonPath(node: ts.Node): string {
  const parts: string[] = [];
  for (let n: ts.Node = node; n.parent && !ts.isVariableDeclaration(n); n = n.parent) {
    if (ts.isPropertyAssignment(n) && (ts.isStringLiteral(n.name) || ts.isIdentifier(n.name))) parts.unshift(`.${n.name.text}`);
    else if (ts.isArrayLiteralExpression(n.parent) && !ts.isPropertyAssignment(n)) parts.unshift(`[${n.parent.elements.indexOf(n as ts.Expression)}]`);
  }
  return parts.join('').replace(/^\./, '') || '(the object)';
}

// -- 3. the API server's validation rules (k8s.io/kubernetes pkg/apis/core/validation, apps) -----

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

function isIanaSvcName(s: string): boolean {
  return s.length >= 1 && s.length <= 15 && /^[-a-z0-9]+$/.test(s) && /[a-z]/.test(s) && !s.startsWith('-') && !s.endsWith('-') && !s.includes('--');
}

function qualifiedName(key: string): string | null {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name must have at most one /';
  const name = parts[parts.length - 1];
  if (parts.length === 2 && (parts[0].length > 253 || !DNS1123_SUBDOMAIN.test(parts[0]))) return `prefix ${parts[0]} must be a DNS-1123 subdomain`;
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) return `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  return null;
}

/** A resource quantity in base units (cores, bytes), or null when it is not one. */
export function quantity(q: unknown): number | null {
  if (typeof q === 'number') return Number.isFinite(q) ? q : null;
  if (typeof q !== 'string') return null;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/.exec(q);
  if (!m) return null;
  const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  const s = m[2] ?? '';
  const factor = binary[s] ?? decimal[s] ?? (s ? 10 ** Number(s.slice(1)) : 1);
  return Number(m[1]) * factor;
}

function metadataErrors(o: K8sObject, nameRule: 'subdomain' | 'dns1035' | 'label'): string[] {
  const errors: string[] = [];
  const at = describe(o);
  const name = o.metadata?.name;
  if (!name) errors.push(`${at}: metadata.name: Required value: name or generateName is required`);
  else if (nameRule === 'subdomain' && (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))) errors.push(`${at}: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
  else if (nameRule === 'dns1035' && (name.length > 63 || !DNS1035_LABEL.test(name))) errors.push(`${at}: metadata.name: Invalid value: "${name}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character`);
  else if (nameRule === 'label' && (name.length > 63 || !DNS1123_LABEL.test(name))) errors.push(`${at}: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`);
  const ns = o.metadata?.namespace;
  if (ns !== undefined && (o.kind === 'Namespace' || ns.length > 63 || !DNS1123_LABEL.test(ns))) errors.push(`${at}: metadata.namespace: Invalid value: "${ns}"${o.kind === 'Namespace' ? ': not allowed on this type' : ': a lowercase RFC 1123 label'}`);
  errors.push(...labelErrors(`${at}: metadata.labels`, o.metadata?.labels));
  for (const key of Object.keys(o.metadata?.annotations ?? {})) {
    const bad = qualifiedName(key);
    if (bad) errors.push(`${at}: metadata.annotations: Invalid value: "${key}": ${bad}`);
  }
  return errors;
}

function labelErrors(at: string, labels: Record<string, unknown> | undefined): string[] {
  const errors: string[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    const bad = qualifiedName(k);
    if (bad) errors.push(`${at}: Invalid value: "${k}": ${bad}`);
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) errors.push(`${at}.${k}: Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`);
  }
  return errors;
}

function probeErrors(at: string, probe: any): string[] {
  if (!probe) return [];
  const errors: string[] = [];
  for (const k of ['periodSeconds', 'failureThreshold', 'successThreshold', 'timeoutSeconds']) {
    if (probe[k] !== undefined && !(probe[k] >= 1)) errors.push(`${at}.${k}: Invalid value: ${probe[k]}: must be greater than or equal to 1`);
  }
  if (probe.initialDelaySeconds !== undefined && !(probe.initialDelaySeconds >= 0)) errors.push(`${at}.initialDelaySeconds: Invalid value: must be greater than or equal to 0`);
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
  if (typeof port === 'number' && !(port >= 1 && port <= 65535)) errors.push(`${at}: port ${port}: must be between 1 and 65535, inclusive`);
  if (typeof port === 'string' && !isIanaSvcName(port)) errors.push(`${at}: port ${port}: must be an IANA_SVC_NAME`);
  // (a name no container port has is accepted by the API; it fails at run time: see consistencyErrors)
  return errors;
}

function podSpecErrors(at: string, spec: any): string[] {
  const errors: string[] = [];
  if (!spec) return [`${at}: Required value`];
  if (spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') errors.push(`${at}.restartPolicy: Unsupported value: "${spec.restartPolicy}": supported values: "Always"`);
  if (spec.terminationGracePeriodSeconds !== undefined && !(spec.terminationGracePeriodSeconds >= 0)) errors.push(`${at}.terminationGracePeriodSeconds: must be greater than or equal to 0`);
  if (spec.hostUsers === false) {
    for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[k]) errors.push(`${at}.${k}: Forbidden: when \`hostUsers\` is false`);
  }
  const volumes = new Set<string>();
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    if (!DNS1123_LABEL.test(v.name ?? '')) errors.push(`${at}.volumes[${i}].name: Invalid value: "${v.name}": a lowercase RFC 1123 label`);
    if (volumes.has(v.name)) errors.push(`${at}.volumes[${i}].name: Duplicate value: "${v.name}"`);
    volumes.add(v.name);
    if (v.emptyDir?.sizeLimit !== undefined && !((quantity(v.emptyDir.sizeLimit) ?? -1) > 0)) errors.push(`${at}.volumes[${i}].emptyDir.sizeLimit: Invalid value: must be a positive quantity`);
  }
  const names = new Set<string>();
  for (const [i, c] of (spec.containers ?? []).entries()) {
    const cat = `${at}.containers[${i}]`;
    if (!DNS1123_LABEL.test(c.name ?? '') || c.name.length > 63) errors.push(`${cat}.name: Invalid value: "${c.name}": a lowercase RFC 1123 label`);
    if (names.has(c.name)) errors.push(`${cat}.name: Duplicate value: "${c.name}"`);
    names.add(c.name);
    if (!c.image) errors.push(`${cat}.image: Required value`);
    const portNames = new Set<string>();
    for (const [j, p] of (c.ports ?? []).entries()) {
      if (!(p.containerPort >= 1 && p.containerPort <= 65535)) errors.push(`${cat}.ports[${j}].containerPort: must be between 1 and 65535, inclusive`);
      if (p.name !== undefined) {
        if (!isIanaSvcName(p.name)) errors.push(`${cat}.ports[${j}].name: Invalid value: "${p.name}": must be an IANA_SVC_NAME`);
        if (portNames.has(p.name)) errors.push(`${cat}.ports[${j}].name: Duplicate value: "${p.name}"`);
        portNames.add(p.name);
      }
    }
    for (const [j, e] of (c.env ?? []).entries()) {
      if (!ENV_VAR_NAME.test(e.name ?? '')) errors.push(`${cat}.env[${j}].name: Invalid value: "${e.name}": a valid environment variable name`);
      if (e.value !== undefined && e.valueFrom !== undefined) errors.push(`${cat}.env[${j}].valueFrom: Invalid value: may not be specified when \`value\` is not empty`);
      const ref = e.valueFrom?.secretKeyRef;
      if (ref && (!DNS1123_SUBDOMAIN.test(ref.name ?? '') || !CONFIG_KEY.test(ref.key ?? ''))) errors.push(`${cat}.env[${j}].valueFrom.secretKeyRef: Invalid value: name and key must be valid`);
    }
    const mounts = new Set<string>();
    for (const [j, m] of (c.volumeMounts ?? []).entries()) {
      if (!volumes.has(m.name)) errors.push(`${cat}.volumeMounts[${j}].name: Not found: "${m.name}"`);
      if (mounts.has(m.mountPath)) errors.push(`${cat}.volumeMounts[${j}].mountPath: Invalid value: "${m.mountPath}": must be unique`);
      mounts.add(m.mountPath);
    }
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const [k, v] of Object.entries({ ...req, ...lim })) if (quantity(v) === null) errors.push(`${cat}.resources.${k}: Invalid value: ${JSON.stringify(v)}: must be a quantity`);
    for (const k of Object.keys(req)) {
      const r = quantity(req[k]);
      const l = lim[k] === undefined ? null : quantity(lim[k]);
      if (r !== null && l !== null && r > l) errors.push(`${cat}.resources.requests: Invalid value: "${req[k]}": must be less than or equal to ${k} limit of ${lim[k]}`);
    }
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) errors.push(...probeErrors(`${cat}.${probe}`, c[probe]));
    const sc = c.securityContext;
    if (sc) {
      for (const k of ['runAsUser', 'runAsGroup']) if (sc[k] !== undefined && !(sc[k] >= 0 && sc[k] <= 2147483647)) errors.push(`${cat}.securityContext.${k}: Invalid value: ${sc[k]}: must be between 0 and 2147483647, inclusive`);
      if (sc.allowPrivilegeEscalation === false) {
        if (sc.privileged === true) errors.push(`${cat}.securityContext: Invalid value: cannot set \`allowPrivilegeEscalation\` to false and \`privileged\` to true`);
        // the API server compares the literal string CAP_SYS_ADMIN (so "SYS_ADMIN" passes it; runtimes treat both alike)
        if ((sc.capabilities?.add ?? []).includes('CAP_SYS_ADMIN')) errors.push(`${cat}.securityContext: Invalid value: cannot set \`allowPrivilegeEscalation\` to false and \`capabilities.Add\` CAP_SYS_ADMIN`);
      }
      for (const k of ['seccompProfile', 'appArmorProfile']) {
        if (sc[k]?.type === 'Localhost' && !sc[k].localhostProfile) errors.push(`${cat}.securityContext.${k}.localhostProfile: Required value: must be set when ${k} type is Localhost`);
        if (sc[k]?.type !== 'Localhost' && sc[k]?.localhostProfile) errors.push(`${cat}.securityContext.${k}.localhostProfile: Invalid value: can only be set when ${k} type is Localhost`);
      }
    }
  }
  if (names.size === 0) errors.push(`${at}.containers: Required value`);
  return errors;
}

export function apiRuleErrors(objects: K8sObject[]): string[] {
  const errors: string[] = [];
  for (const o of objects) {
    const at = describe(o);
    if (o.kind === 'Namespace') {
      errors.push(...metadataErrors(o, 'label'));
      const levels = ['privileged', 'baseline', 'restricted'];
      for (const [k, v] of Object.entries(o.metadata?.labels ?? {})) {
        const mode = /^pod-security\.kubernetes\.io\/(enforce|audit|warn)$/.exec(k);
        if (mode && !levels.includes(v)) errors.push(`${at}: metadata.labels.${k}: Invalid value: "${v}": must be one of ${levels.join(', ')}`);
      }
    } else if (o.kind === 'Secret') {
      errors.push(...metadataErrors(o, 'subdomain'));
      for (const k of [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})]) {
        if (!CONFIG_KEY.test(k) || k.length > 253) errors.push(`${at}: data[${k}]: Invalid value: a valid config key must consist of alphanumeric characters, '-', '_' or '.'`);
      }
    } else if (o.kind === 'Deployment') {
      errors.push(...metadataErrors(o, 'subdomain'));
      const spec = o.spec ?? {};
      const selector: Record<string, string> = spec.selector?.matchLabels ?? {};
      const templateLabels: Record<string, string> = spec.template?.metadata?.labels ?? {};
      if (!Object.keys(selector).length && !(spec.selector?.matchExpressions ?? []).length) errors.push(`${at}: spec.selector: Invalid value: empty selector is invalid for deployment`);
      errors.push(...labelErrors(`${at}: spec.selector.matchLabels`, selector), ...labelErrors(`${at}: spec.template.metadata.labels`, templateLabels));
      if (Object.entries(selector).some(([k, v]) => templateLabels[k] !== v)) errors.push(`${at}: spec.template.metadata.labels: Invalid value: ${JSON.stringify(templateLabels)}: \`selector\` does not match template \`labels\``);
      if (spec.replicas !== undefined && !(spec.replicas >= 0)) errors.push(`${at}: spec.replicas: must be greater than or equal to 0`);
      const ru = spec.strategy?.rollingUpdate;
      if (ru) {
        const zero = (v: unknown) => v === 0 || v === '0%';
        if (zero(ru.maxUnavailable ?? '25%') && zero(ru.maxSurge ?? '25%')) errors.push(`${at}: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: may not be 0 when \`maxSurge\` is 0`);
        if (spec.strategy.type !== undefined && spec.strategy.type !== 'RollingUpdate') errors.push(`${at}: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy \`type\` is '${spec.strategy.type}'`);
      }
      for (const key of Object.keys(spec.template?.metadata?.annotations ?? {})) {
        const bad = qualifiedName(key);
        if (bad) errors.push(`${at}: spec.template.metadata.annotations: Invalid value: "${key}": ${bad}`);
      }
      errors.push(...podSpecErrors(`${at}: spec.template.spec`, spec.template?.spec));
    } else if (o.kind === 'Service') {
      errors.push(...metadataErrors(o, 'dns1035'));
      const ports: any[] = o.spec?.ports ?? [];
      const names = new Set<string>();
      ports.forEach((p, i) => {
        if (!(p.port >= 1 && p.port <= 65535)) errors.push(`${at}: spec.ports[${i}].port: must be between 1 and 65535, inclusive`);
        if (ports.length > 1 && !p.name) errors.push(`${at}: spec.ports[${i}].name: Required value`);
        if (p.name !== undefined) {
          if (!DNS1123_LABEL.test(p.name)) errors.push(`${at}: spec.ports[${i}].name: Invalid value: "${p.name}": a lowercase RFC 1123 label`);
          if (names.has(p.name)) errors.push(`${at}: spec.ports[${i}].name: Duplicate value: "${p.name}"`);
          names.add(p.name);
        }
        const t = p.targetPort;
        if (typeof t === 'number' && !(t >= 1 && t <= 65535)) errors.push(`${at}: spec.ports[${i}].targetPort: must be between 1 and 65535, inclusive`);
        if (typeof t === 'string' && !isIanaSvcName(t)) errors.push(`${at}: spec.ports[${i}].targetPort: Invalid value: "${t}": must be an IANA_SVC_NAME`);
      });
      if (!ports.length && o.spec?.clusterIP !== 'None') errors.push(`${at}: spec.ports: Required value`);
      errors.push(...labelErrors(`${at}: spec.selector`, o.spec?.selector));
    }
  }
  return errors;
}

// -- 4. consistency between the objects ------------------------------------------------------------

/** Where an object lands: its namespace, or (none given) whatever namespace kubectl is using. */
function namespaceOf(o: K8sObject): string {
  return o.metadata?.namespace ?? '(the current namespace)';
}

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);

/** What in a pod template the Pod Security Standards' baseline level forbids (kubernetes.io/docs/
 *  concepts/security/pod-security-standards): empty when baseline admits the pod; otherwise only a
 *  namespace enforcing `privileged` does. */
export function baselineViolations(template: any): string[] {
  const out: string[] = [];
  const spec = template?.spec ?? {};
  const podSc = spec.securityContext ?? {};
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[k]) out.push(`${k}: true`);
  if (podSc.windowsOptions?.hostProcess) out.push('securityContext.windowsOptions.hostProcess');
  if (podSc.seccompProfile?.type === 'Unconfined') out.push('securityContext.seccompProfile: Unconfined');
  if (podSc.appArmorProfile?.type === 'Unconfined') out.push('securityContext.appArmorProfile: Unconfined');
  for (const s of podSc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) out.push(`sysctl ${s.name}`);
  for (const v of spec.volumes ?? []) if (v.hostPath) out.push(`volume ${v.name}: hostPath`);
  for (const [k, v] of Object.entries(template?.metadata?.annotations ?? {})) {
    if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !String(v).startsWith('localhost/')) out.push(`annotation ${k}: ${v}`);
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) out.push(`${at}: privileged`);
    if (sc.windowsOptions?.hostProcess) out.push(`${at}: windowsOptions.hostProcess`);
    const extra = (sc.capabilities?.add ?? []).filter((cap: string) => !BASELINE_CAPABILITIES.has(cap.replace(/^CAP_/, '')));
    if (extra.length) out.push(`${at}: capabilities.add ${extra.join(', ')}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${at}: hostPort ${p.hostPort}`);
    if (sc.seccompProfile?.type === 'Unconfined') out.push(`${at}: seccompProfile Unconfined`);
    if (sc.appArmorProfile?.type === 'Unconfined') out.push(`${at}: appArmorProfile Unconfined`);
    if (sc.procMount === 'Unmasked') out.push(`${at}: procMount Unmasked`);
    const se = sc.seLinuxOptions;
    if (se && (se.user || se.role || (se.type && !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(se.type)))) out.push(`${at}: seLinuxOptions`);
  }
  return out;
}

export function consistencyErrors(objects: K8sObject[]): string[] {
  const errors: string[] = [];
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const secrets = new Map(objects.filter((o) => o.kind === 'Secret').map((o) => [`${namespaceOf(o)}/${o.metadata?.name}`, o]));
  const namespaces = new Map(objects.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata?.name, o]));
  for (const o of objects) {
    const ns = o.metadata?.namespace;
    if (o.kind !== 'Namespace' && ns !== undefined && namespaces.size && !namespaces.has(ns)) errors.push(`${describe(o)}: namespace ${ns} is not the manifest's (${[...namespaces.keys()].join(', ')})`);
  }
  for (const d of deployments) {
    const needs = baselineViolations(d.spec?.template);
    if (needs.length) {
      const ns = d.metadata?.namespace;
      const enforce = ns === undefined ? undefined : namespaces.get(ns)?.metadata?.labels?.['pod-security.kubernetes.io/enforce'];
      if (enforce !== 'privileged') {
        errors.push(`${describe(d)}: its pods need the Pod Security level "privileged" (baseline forbids ${needs.join('; ')}), but ${ns === undefined
          ? 'they land in whatever namespace kubectl uses, whose level the manifest cannot know'
          : namespaces.has(ns) ? `namespace ${ns} enforces ${enforce ?? 'the cluster\'s default level'}` : `namespace ${ns} is not in the manifest`}: where baseline is enforced, the Deployment is created and its pods are refused`);
      }
    }
    for (const c of d.spec?.template?.spec?.containers ?? []) {
      const portNames = new Set((c.ports ?? []).map((p: { name?: string }) => p.name).filter(Boolean));
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
        if (typeof port === 'string' && !portNames.has(port)) errors.push(`${describe(d)}: container ${c.name}: ${probe} uses port "${port}", which the container does not name`);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref || ref.optional) continue;
        const s = secrets.get(`${namespaceOf(d)}/${ref.name}`);
        if (!s) errors.push(`${describe(d)}: container ${c.name}: env ${e.name} reads Secret ${ref.name}, which the manifest does not define in ${namespaceOf(d)} (create it first)`);
        else if (!(ref.key in (s.stringData ?? {})) && !(ref.key in (s.data ?? {}))) errors.push(`${describe(d)}: container ${c.name}: env ${e.name} reads key ${ref.key} of Secret ${ref.name}, which has no such key`);
      }
    }
  }
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    const selector: Record<string, string> = svc.spec?.selector ?? {};
    const selected = deployments.filter((d) => {
      if (namespaceOf(d) !== namespaceOf(svc)) return false; // a Service selects pods of its own namespace only
      const labels: Record<string, string> = d.spec?.template?.metadata?.labels ?? {};
      return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    if (!selected.length) {
      errors.push(`${describe(svc)}: its selector ${JSON.stringify(selector)} selects the pods of no Deployment in the manifest (the Service would have no endpoints)`);
      continue;
    }
    for (const p of svc.spec?.ports ?? []) {
      const target = p.targetPort ?? p.port;
      for (const d of selected) {
        const ports = (d.spec?.template?.spec?.containers ?? []).flatMap((c: { ports?: { name?: string; containerPort: number }[] }) => c.ports ?? []);
        const found = typeof target === 'string' ? ports.some((cp: { name?: string }) => cp.name === target) : ports.some((cp: { containerPort: number }) => cp.containerPort === target);
        if (!found) errors.push(`${describe(svc)}: port ${p.name ?? p.port} targets ${JSON.stringify(target)}, which no container of ${describe(d)} exposes`);
      }
    }
  }
  return errors;
}
