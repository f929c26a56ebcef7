/** metav1.LabelSelector, as the webhook configuration's namespaceSelector takes it. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** The apiserver's rules for a label key (a qualified name) and value. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const MAX_PREFIX = 253;
const MAX_NAME = 63;
const MAX_VALUE = 63;

/** What the lexer of k8s.io/apimachinery/pkg/labels sets apart; anything else (but spaces) belongs to a word. */
const SYMBOL = /^(==|!=|=|!|\(|\)|,|<|>)/;
const WORD = /^[^\s!=(),<>]+/;

type Token = { readonly kind: 'word' | 'symbol'; readonly text: string };

/**
 * Parses kubectl's label-selector syntax, as the apiserver does: `k=v`, `k==v`, `k!=v`,
 * `k in (a,b)`, `k notin (a,b)`, `k` (exists), `!k` (absent), comma-separated, all of
 * which must hold. Keys and values follow the apiserver's rules. Returns a one-line error
 * for anything else, so a typo stops the process instead of selecting the wrong namespaces.
 */
export function parseLabelSelector(text: string): LabelSelector | string {
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return tokens;
  if (tokens.length === 0) return 'an empty selector';
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const next = (): Token | undefined => tokens[at++];

  for (;;) {
    const first = next();
    if (first === undefined || first.text === ',') return 'an empty term (a comma with nothing before or after it)';
    if (first.text === '!') {
      const key = next();
      const problem = key?.kind === 'word' ? keyProblem(key.text) : '"!" must be followed by a label key';
      if (problem) return problem;
      matchExpressions.push({ key: key!.text, operator: 'DoesNotExist' });
    } else {
      if (first.kind !== 'word') return `"${first.text}" where a label key was expected`;
      const key = first.text;
      const keyError = keyProblem(key);
      if (keyError) return keyError;
      const operator = peek();
      if (operator === undefined || operator.text === ',') {
        matchExpressions.push({ key, operator: 'Exists' });
      } else if (operator.text === '=' || operator.text === '==' || operator.text === '!=') {
        next();
        // `k=` compares with the empty value, as kubectl reads it.
        const value = peek()?.kind === 'word' ? next()!.text : '';
        const valueError = valueProblem(value);
        if (valueError) return valueError;
        if (operator.text === '!=') matchExpressions.push({ key, operator: 'NotIn', values: [value] });
        else if (key in matchLabels) matchExpressions.push({ key, operator: 'In', values: [value] });
        else matchLabels[key] = value;
      } else if (operator.text === 'in' || operator.text === 'notin') {
        next();
        const values = valueList(key, operator.text);
        if (typeof values === 'string') return values;
        matchExpressions.push({ key, operator: operator.text === 'in' ? 'In' : 'NotIn', values });
      } else if (operator.text === '<' || operator.text === '>') {
        return `"${key} ${operator.text} …": a namespaceSelector has no numeric comparisons (only =, ==, !=, in, notin, exists and !)`;
      } else {
        return `"${operator.text}" after label key "${key}", where =, ==, !=, in, notin, "," or the end was expected`;
      }
    }
    const separator = next();
    if (separator === undefined) break;
    if (separator.text !== ',') return `"${separator.text}" where "," or the end was expected`;
  }
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };

  function valueList(key: string, operator: string): string[] | string {
    if (next()?.text !== '(') return `"${key} ${operator}" must be followed by a parenthesised list of values`;
    if (peek()?.text === ')') return `"${key} ${operator} ()" has no values`;
    const values: string[] = [];
    for (;;) {
      // As in kubectl, an empty item (`(a,)`) is the empty value.
      const value = peek()?.kind === 'word' ? next()!.text : '';
      const valueError = valueProblem(value);
      if (valueError) return valueError;
      values.push(value);
      const after = next();
      if (after?.text === ')') break;
      if (after?.text !== ',') return `the values of "${key} ${operator} (…" lack a closing ")"`;
    }
    return [...new Set(values)];
  }
}

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  let rest = text.trimStart();
  while (rest !== '') {
    const symbol = SYMBOL.exec(rest)?.[0];
    const word = symbol === undefined ? WORD.exec(rest)?.[0] : undefined;
    if (symbol !== undefined) tokens.push({ kind: 'symbol', text: symbol });
    else if (word !== undefined) tokens.push({ kind: 'word', text: word });
    else return `unexpected ${JSON.stringify(rest[0])}`;
    rest = rest.slice((symbol ?? word)!.length).trimStart();
  }
  return tokens;
}

/** Why `key` is not a valid label key (an optional DNS-subdomain prefix and "/", then a name), if it is not. */
function keyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    if (prefix === '' || prefix.length > MAX_PREFIX || !DNS_SUBDOMAIN.test(prefix)) return `label key "${key}": the prefix must be a DNS subdomain of at most ${MAX_PREFIX} characters (lower-case letters, digits, "-" and ".")`;
  }
  if (name === '' || name.length > MAX_NAME || !NAME.test(name)) {
    return `label key "${key}": the name must be 1 to ${MAX_NAME} characters, letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Why `value` is not a valid label value (empty, or a name of at most 63 characters), if it is not. */
function valueProblem(value: string): string | undefined {
  if (value === '' || (value.length <= MAX_VALUE && NAME.test(value))) return undefined;
  return `label value "${value}": at most ${MAX_VALUE} characters, letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
}
