import fc from 'fast-check';
import { MAX_BODY_BYTES } from '../../../src/admission/request-limits.ts';
import { loadGoldenCases, type RawReview } from '../../support/golden-cases.ts';

/**
 * What a request must get. `reject`: a 4xx with a JSON message (not JSON, not a review, not
 * /inject). `review`: a 200 AdmissionReview (a valid envelope, whatever the pod inside).
 * `either`: a damaged envelope may still be a valid review, or not.
 */
export type Expectation = 'reject' | 'review' | 'either';

export interface HttpCase {
  readonly kind: 'http';
  readonly label: string;
  readonly expect: Expectation;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: Buffer;
}

/** Headers promise `declared` bytes; `sent` of them arrive before the client closes the connection. */
export interface AbortedCase {
  readonly kind: 'aborted';
  readonly label: string;
  readonly declared: number;
  readonly sent: Buffer;
}

/** More than the body limit, announced up front or chunked: refused with 413 however it comes. */
export interface OversizeCase {
  readonly kind: 'oversize';
  readonly label: string;
  readonly chunked: boolean;
  readonly body: Buffer;
}

export type FuzzCase = HttpCase | AbortedCase | OversizeCase;

const GOLDEN: readonly RawReview[] = loadGoldenCases().map((testCase) => testCase.review);
const TEMPLATE_NAMES = ['log-agent', 'proxy', 'metrics', 'tracing', 'profiler', 'log-shipper'] as const;
const PREFIX = 'sidecar-injector.io/';

/** Strings chosen to break naive code: path and pointer syntax, prototype keys, template syntax, odd Unicode, PEM markers. */
const NASTY = [
  '',
  ' ',
  '../',
  '../../etc/passwd',
  '..%2f..%2f',
  '~',
  '~0',
  '~1',
  '/',
  '~/~1',
  'a/b~c',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '{{ pod.name }}',
  '{{pod.namespace}}',
  '{{ sidecar.name }}',
  '${HOME}',
  '%s%n',
  '<script>',
  '\u0000',
  '\uFFFF',
  '\uD800',
  '\uDC00',
  '😀',
  '\u202E',
  'İ',
  'ǅ',
  'log-agent',
  'proxy',
  'proxy-init',
  'app-logs',
  'kube-system',
  `${PREFIX}status`,
  `${PREFIX}sidecars`,
  '-----BEGIN PRIVATE KEY-----',
  'a'.repeat(253),
];

const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', '~1', '😀', '-----BEGIN A-----', '{{ pod.name }}'), fc.integer({ min: 1_000, max: 60_000 })).map(([unit, count]) => unit.repeat(count)) },
);

/** JSON values that are not strings, including objects whose string conversion throws. */
const nonString = fc.oneof(fc.constantFrom<unknown>(null, 0, -1, 1e308, true, false, [], {}, { toString: 1 }, { toString: 1, valueOf: 1 }, ['a', 'b'], { name: 'x' }), fc.jsonValue({ maxDepth: 3 }));

const maybeString = fc.oneof({ weight: 9, arbitrary: nastyString }, { weight: 1, arbitrary: nonString });

const mapKey = fc.oneof(fc.constantFrom(`${PREFIX}inject`, `${PREFIX}sidecars`, `${PREFIX}status`, 'logging.example.com/agent', 'proxy.example.com/inject-status'), nastyString);

const sidecarChoice = fc.oneof(
  fc.constantFrom(
    'log-agent',
    'proxy',
    'log-agent, proxy',
    'metrics,log-shipper',
    'tracing,profiler',
    'log-agent,log-shipper',
    ' , ',
    ',,',
    '../',
    '../../etc/passwd',
    'log-agent/../proxy',
    '~1',
    'LOG-AGENT',
    ' log-agent ',
    'proxy,proxy,proxy',
    '__proto__',
    'constructor',
  ),
  fc.array(fc.oneof(fc.constantFrom(...TEMPLATE_NAMES), nastyString), { maxLength: 6 }).map((names) => names.join(',')),
  fc.integer({ min: 1_000, max: 20_000 }).map((count) => Array.from({ length: count }, (_, index) => `unknown-${index}`).join(',')),
);

const annotations = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(mapKey, fc.oneof({ weight: 9, arbitrary: nastyString }, { weight: 1, arbitrary: nonString }), { maxKeys: 5 }) },
  { weight: 3, arbitrary: fc.record({ [`${PREFIX}sidecars`]: sidecarChoice }) },
  { weight: 2, arbitrary: fc.record({ [`${PREFIX}inject`]: fc.constantFrom('false', 'FALSE ', 'true', 'no', '') }) },
  { weight: 1, arbitrary: nonString },
);

const envVar = fc.oneof({ weight: 6, arbitrary: fc.record({ name: maybeString, value: fc.option(maybeString, { nil: undefined }) }, { requiredKeys: ['name'] }) }, { weight: 1, arbitrary: nonString });
const volumeMount = fc.oneof({ weight: 6, arbitrary: fc.record({ name: maybeString, mountPath: fc.oneof(fc.constantFrom('/var/log/app', '/etc/proxy/certs', '/'), maybeString) }) }, { weight: 1, arbitrary: nonString });
const listOf = <T>(item: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: fc.array(item, { maxLength: 4 }) }, { weight: 1, arbitrary: nonString });

const container = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        name: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('app', ...TEMPLATE_NAMES, 'log-agent', 'proxy-init', 'metrics-exporter') }, { weight: 3, arbitrary: maybeString }),
        image: maybeString,
        env: listOf(envVar),
        volumeMounts: listOf(volumeMount),
        restartPolicy: fc.constantFrom('Always', 'Never'),
      },
      { requiredKeys: ['name'] },
    ),
  },
  { weight: 1, arbitrary: nonString },
);

const volume = fc.oneof(
  { weight: 6, arbitrary: fc.record({ name: fc.oneof(fc.constantFrom('app-logs', 'proxy-certs', 'shared-tmp'), maybeString), emptyDir: fc.constantFrom({}, { medium: 'Memory' }) }) },
  { weight: 1, arbitrary: nonString },
);

const ownerReferences = fc.array(fc.oneof(fc.record({ apiVersion: maybeString, kind: maybeString, name: maybeString, uid: maybeString, controller: fc.oneof(fc.boolean(), nonString) }, { requiredKeys: [] }), nonString), { maxLength: 3 });

const metadata = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ name: maybeString, generateName: maybeString, namespace: maybeString, labels: annotations, annotations, ownerReferences: fc.oneof(ownerReferences, nonString), uid: maybeString }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: nonString },
);

const spec = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        containers: fc.oneof({ weight: 8, arbitrary: fc.array(container, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: listOf(container) }),
        initContainers: listOf(container),
        ephemeralContainers: listOf(container),
        volumes: listOf(volume),
        serviceAccountName: maybeString,
      },
      { requiredKeys: ['containers'] },
    ),
  },
  { weight: 1, arbitrary: nonString },
);

/** Pods of every odd shape: the envelope is valid, so each must get a 200 review. */
const pod = fc.oneof(
  { weight: 10, arbitrary: fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Pod'), metadata, spec }, { requiredKeys: ['spec'] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const podKind = { group: '', version: 'v1', kind: 'Pod' };
const validUid = fc.oneof(fc.uuid(), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), fc.constantFrom('~1/..', '__proto__', '😀', ' '));

/** A valid envelope around an adversarial pod: the apiserver could not send most of these pods, an attacker could. */
const podReview = fc
  .record(
    {
      apiVersion: fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'),
      uid: validUid,
      kind: fc.oneof({ weight: 6, arbitrary: fc.constant(podKind) }, { weight: 1, arbitrary: fc.constantFrom({ group: 'apps', version: 'v1', kind: 'Deployment' }, { group: 'x', version: 'v1', kind: 'Pod' }, { version: '', kind: 'Pod' }) }),
      operation: fc.constantFrom('CREATE', 'CREATE', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
      namespace: fc.option(fc.oneof(fc.constantFrom('team-a', 'kube-system', 'kube-public', 'sidecar-injector', ''), nastyString), { nil: undefined }),
      name: fc.option(nastyString, { nil: undefined }),
      subResource: fc.option(fc.constantFrom('status', 'ephemeralcontainers', ''), { nil: undefined }),
      dryRun: fc.option(fc.boolean(), { nil: undefined }),
      object: pod,
    },
    { requiredKeys: ['apiVersion', 'uid', 'kind', 'operation'] },
  )
  .map(({ apiVersion, ...request }) => ({ apiVersion, kind: 'AdmissionReview', request }));

/** A pod the apiserver could send, to which one to three odd things happen: what reaches the template engine and the patch builder. */
const SANE_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'team-a', labels: { app: 'web' }, annotations: { 'example.com/owner': 'team-a' } },
  spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'nginx:1.27', env: [{ name: 'MODE', value: 'prod' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', emptyDir: {} }] },
};
const POD_SPOTS: readonly (readonly string[])[] = [
  ['metadata', 'name'],
  ['metadata', 'generateName'],
  ['metadata', 'namespace'],
  ['metadata', 'uid'],
  ['spec', 'serviceAccountName'],
  ['spec', 'containers', '0', 'name'],
  ['spec', 'containers', '0', 'image'],
  ['spec', 'containers', '0', 'env', '0', 'name'],
  ['spec', 'containers', '0', 'volumeMounts', '0', 'mountPath'],
  ['spec', 'volumes', '0', 'name'],
  ['metadata', 'labels', 'app'],
];
const podOddity = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...POD_SPOTS), maybeString) },
  { weight: 2, arbitrary: fc.tuple(fc.constant(['metadata', 'annotations', `${PREFIX}sidecars`]), sidecarChoice) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(['metadata', 'annotations', `${PREFIX}inject`], ['metadata', 'labels', `${PREFIX}inject`], ['metadata', 'annotations', `${PREFIX}status`]), maybeString) },
  { weight: 1, arbitrary: fc.tuple(fc.constant(['metadata', 'ownerReferences']), fc.oneof(ownerReferences, nonString)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(['metadata', 'annotations', 'logging.example.com/agent'], ['metadata', 'annotations'], ['metadata', 'labels']), fc.oneof(annotations, maybeString)) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom(['spec', 'initContainers'], ['spec', 'ephemeralContainers'], ['spec', 'volumes'], ['spec', 'containers', '0', 'env'], ['spec', 'containers', '0', 'volumeMounts']),
      fc.oneof(listOf(container), listOf(volume), listOf(envVar)),
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constant(['spec', 'containers', '1']), container) },
);
const nearlySanePodReview = fc
  .record({
    uid: validUid,
    apiVersion: fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'),
    namespace: fc.option(fc.oneof(fc.constant('team-a'), nastyString), { nil: undefined }),
    odd: fc.array(podOddity, { minLength: 1, maxLength: 3 }),
  })
  .map(({ uid, apiVersion, namespace, odd }) => ({
    apiVersion,
    kind: 'AdmissionReview',
    request: { uid, kind: podKind, operation: 'CREATE', ...(namespace === undefined ? {} : { namespace }), object: mutated(SANE_POD, odd) },
  }));

const anyReview = fc.oneof(podReview, nearlySanePodReview, fc.constantFrom(...GOLDEN));

const ENVELOPE_PATHS: readonly (readonly string[])[] = [
  ['apiVersion'],
  ['kind'],
  ['request'],
  ['request', 'uid'],
  ['request', 'kind'],
  ['request', 'kind', 'kind'],
  ['request', 'kind', 'group'],
  ['request', 'kind', 'version'],
  ['request', 'operation'],
  ['request', 'namespace'],
  ['request', 'name'],
  ['request', 'dryRun'],
  ['request', 'subResource'],
  ['request', 'object'],
  ['request', 'oldObject'],
  ['request', 'userInfo'],
  ['request', 'object', 'metadata'],
  ['request', 'object', 'spec'],
  ['request', 'object', 'spec', 'containers'],
  ['__proto__'],
  ['constructor'],
  ['request', '__proto__'],
];

/** Sets (or with undefined deletes) a path in a JSON copy; a parent that is not an object (or a list, for an index) is left alone. */
function mutated(review: unknown, changes: readonly (readonly [readonly string[], unknown])[]): unknown {
  const copy = structuredClone(review) as Record<string, unknown>;
  for (const [path, value] of changes) {
    let parent: unknown = copy;
    for (const key of path.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[key] : undefined;
    const last = path.at(-1)!;
    if (parent === null || typeof parent !== 'object' || (Array.isArray(parent) && !/^\d+$/.test(last))) continue;
    if (value === undefined) delete (parent as Record<string, unknown>)[last];
    // A copy: fast-check hands out one instance of each constant, and a later change could
    // write into it (a cycle when it is its own parent, and a change to every later run).
    else Object.defineProperty(parent, last, { value: structuredClone(value), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

const envelopeDamage = fc
  .tuple(anyReview, fc.array(fc.tuple(fc.constantFrom(...ENVELOPE_PATHS), fc.oneof(nonString, maybeString, fc.constant(undefined), fc.string({ minLength: 257, maxLength: 400 }))), { minLength: 1, maxLength: 3 }))
  .map(([review, changes]) => mutated(review, changes));

function json(label: string, value: unknown, expect: Expectation, extra: Partial<HttpCase> = {}): HttpCase {
  return { kind: 'http', label, expect, method: 'POST', path: '/inject', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value) ?? ''), ...extra };
}

const reviewText = anyReview.map((review) => JSON.stringify(review));

/** Content types: only application/json (any case, any parameters) may be read. */
const CONTENT_TYPES: readonly (readonly [string, Expectation])[] = [
  ['text/plain', 'reject'],
  ['application/jsonx', 'reject'],
  ['application/x-www-form-urlencoded', 'reject'],
  ['multipart/form-data; boundary=x', 'reject'],
  ['', 'reject'],
  ['application/json-patch+json', 'reject'],
  ['application/yaml', 'reject'],
  ['json', 'reject'],
  [' application/json', 'either'],
  ['APPLICATION/JSON', 'review'],
  ['application/json; charset=utf-8', 'review'],
  ['application/json;charset=latin1', 'review'],
  ['Application/Json ; foo=bar', 'review'],
];

/** Paths: /inject and anything under it is the webhook; the rest is not found. */
const PATHS: readonly (readonly [string, Expectation])[] = [
  ['/inject/team-a', 'review'],
  ['/inject/a/b/c', 'review'],
  ['/inject?x=1', 'review'],
  ['/inject/~1/..', 'either'],
  ['/inject/..%2f..%2fetc', 'either'],
  ['/inject/%00', 'either'],
  ['/', 'reject'],
  ['/healthz', 'reject'],
  ['/metrics', 'reject'],
  ['/injectx', 'reject'],
  ['/inject.json', 'reject'],
  ['//inject', 'either'],
  ['/INJECT', 'either'],
  ['/%69nject', 'either'],
];

const anyCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 15, arbitrary: podReview.map((review) => json('odd pod', review, 'review')) },
  { weight: 20, arbitrary: nearlySanePodReview.map((review) => json('pod with an odd detail', review, 'review')) },
  { weight: 15, arbitrary: envelopeDamage.map((review) => json('damaged envelope', review, 'either')) },
  { weight: 5, arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 4 }), nonString).map((value) => json('not an AdmissionReview', value, 'reject')) },
  {
    weight: 8,
    arbitrary: fc.tuple(reviewText, fc.double({ min: 0, max: 1, noNaN: true })).map(([text, at]): HttpCase => ({ ...json('truncated JSON', null, 'reject'), body: Buffer.from(text.slice(0, Math.floor(at * (text.length - 1)))) })),
  },
  {
    weight: 5,
    arbitrary: fc.tuple(reviewText, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([text, at, byte]): HttpCase => {
      const body = Buffer.from(text);
      body[at % body.length] = byte;
      return { ...json('corrupted byte', null, 'either'), body };
    }),
  },
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        fc.string({ unit: 'binary', maxLength: 200 }).map((text) => Buffer.from(text)),
        fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      )
      .map((body): HttpCase => ({ ...json('garbage', null, 'reject'), body })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 101, max: 100_000 }), fc.boolean()).map(([depth, inPod]): HttpCase => ({
      ...json('deep nesting', null, 'reject'),
      body: Buffer.from(
        inPod
          ? JSON.stringify({ ...GOLDEN[0]!, request: { ...GOLDEN[0]!.request, object: { deep: 0 } } }).replace('{"deep":0}', '{"a":'.repeat(Math.min(depth, 5_000)) + '1' + '}'.repeat(Math.min(depth, 5_000)))
          : '['.repeat(depth) + ']'.repeat(depth),
      ),
    })),
  },
  {
    weight: 5,
    arbitrary: fc
      .tuple(reviewText, fc.constantFrom(...CONTENT_TYPES))
      .map(([text, [type, expect]]): HttpCase => ({ ...json(`content type ${JSON.stringify(type)}`, null, expect), headers: { 'content-type': type }, body: Buffer.from(text) })),
  },
  { weight: 3, arbitrary: fc.tuple(reviewText, fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS')).map(([text, method]): HttpCase => ({ ...json(`method ${method}`, null, 'reject'), method, body: Buffer.from(text) })) },
  { weight: 4, arbitrary: fc.tuple(reviewText, fc.constantFrom(...PATHS)).map(([text, [path, expect]]): HttpCase => ({ ...json(`path ${path}`, null, expect), path, body: Buffer.from(text) })) },
  { weight: 2, arbitrary: reviewText.map((text): HttpCase => ({ ...json('chunked', null, 'review'), headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: Buffer.from(text) })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.boolean(), fc.integer({ min: 1, max: 64 * 1024 }))
      .map(([chunked, over]): OversizeCase => ({ kind: 'oversize', label: chunked ? 'oversize, chunked' : 'oversize, announced', chunked, body: Buffer.alloc(MAX_BODY_BYTES + over, 0x20) })),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(reviewText, fc.double({ min: 0, max: 1, noNaN: true })).map(([text, at]): AbortedCase => {
      const body = Buffer.from(text);
      return { kind: 'aborted', label: 'body cut off by the client', declared: body.length, sent: body.subarray(0, Math.floor(at * (body.length - 1))) };
    }),
  },
);

/** Short enough for a failure report: a case of megabytes must not flood the terminal. */
export function describeCase(fuzz: FuzzCase): string {
  const body = fuzz.kind === 'aborted' ? fuzz.sent : fuzz.body;
  const head = fuzz.kind === 'http' ? `${fuzz.method} ${fuzz.path} ${JSON.stringify(fuzz.headers)} expect ${fuzz.expect}` : fuzz.kind === 'aborted' ? `declared ${fuzz.declared} bytes` : fuzz.chunked ? 'chunked' : 'announced';
  return `${fuzz.label}: ${head}, ${body.length} bytes: ${body.subarray(0, 1_500).toString('utf8')}${body.length > 1_500 ? '…' : ''}`;
}

/** Every kind of bad request, each printing itself briefly when fast-check reports it. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = anyCase.map((fuzz) => Object.assign(fuzz, { [fc.toStringMethod]: () => describeCase(fuzz) }));

function withReview(label: string, change: (review: RawReview & { request: { uid: string } }) => void): FuzzCase {
  const review = structuredClone(loadGoldenCases().find((candidate) => candidate.name === 'nginx-default')!.review) as RawReview & { request: { uid: string } };
  change(review);
  return json(label, review, 'review');
}

function withPod(label: string, change: (pod: Record<string, unknown> & { metadata: Record<string, unknown> }) => void): FuzzCase {
  return withReview(label, (review) => change(review.request.object as Record<string, unknown> & { metadata: Record<string, unknown> }));
}

/** Requests that once broke the service, run before the random ones on every run. */
export const KNOWN_CASES: readonly FuzzCase[] = [
  // Killed the process: the Kubernetes Event builder read `.controller` of a null owner reference.
  withPod('owner reference null', (pod) => (pod.metadata['ownerReferences'] = [null])),
  // Killed the process the same way when the pod opted out: the Event note put the name in a template string.
  withPod('unprintable name, opted out', (pod) => Object.assign(pod.metadata, { name: { toString: 1 }, annotations: { [`${PREFIX}inject`]: 'false' } })),
  // HTTP 500: the template engine substituted a name that cannot become a string.
  withPod('unprintable name', (pod) => (pod.metadata['name'] = { toString: 1 })),
  withPod('unprintable service account', (pod) => ((pod['spec'] as Record<string, unknown>)['serviceAccountName'] = { toString: 1, valueOf: 1 })),
  // Broke the fuzzer, not the service: the log agent's args copy the name, the patched pod outgrew
  // the body limit, and the re-review's rightful 413 was called "not idempotent".
  withPod('a name the patch takes past the body limit', (pod) => (pod.metadata['name'] = '{{ pod.name }}'.repeat(Math.ceil((MAX_BODY_BYTES / 2 + 64 * 1024) / 14)))),
  // Broke the fuzzer too: the re-review's uid, "<uid>-again", went past the 256-character limit.
  withReview('a uid at the 256-character limit', (review) => (review.request.uid = 'u'.repeat(256))),
].map((fuzz) => Object.assign(fuzz, { [fc.toStringMethod]: () => describeCase(fuzz) }));
