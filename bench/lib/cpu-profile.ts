import { readFileSync } from 'node:fs';

/** The parts of V8's `.cpuprofile` (what `node --cpu-prof` writes) that are read here. */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Call stacks merged by frame: a flame graph's data. `micros` includes the children's. */
export interface StackTree {
  readonly name: string;
  readonly kind: FrameKind;
  micros: number;
  readonly children: Map<string, StackTree>;
}

/** Who a frame belongs to, which is what a reader of the graph wants to tell apart. */
export type FrameKind = 'service' | 'framework' | 'node' | 'v8';

const SKIPPED = new Set(['(root)', '(idle)']);

/**
 * Merges the samples taken between `fromMicros` and `toMicros` after the profile started
 * (the load window, leaving out start-up) into one tree of stacks. Idle time is left out:
 * the graph shows where busy time goes.
 */
export function readStacks(file: string, fromMicros = 0, toMicros = Infinity): StackTree {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const root: StackTree = { name: 'all', kind: 'v8', micros: 0, children: new Map() };
  let elapsed = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    elapsed += profile.timeDeltas[index]!;
    // A sample's weight is the time until the next one.
    const weight = profile.timeDeltas[index + 1] ?? 0;
    if (elapsed < fromMicros || elapsed > toMicros || weight <= 0) continue;
    const stack: ProfileNode[] = [];
    for (let id: number | undefined = profile.samples[index]; id !== undefined; id = parentOf.get(id)) stack.push(byId.get(id)!);
    const leaf = stack[0]!.callFrame.functionName;
    if (leaf === '(idle)') continue;
    root.micros += weight;
    let tree = root;
    for (let depth = stack.length - 1; depth >= 0; depth--) {
      const frame = stack[depth]!.callFrame;
      if (SKIPPED.has(frame.functionName)) continue;
      const name = frameName(frame);
      let child = tree.children.get(name);
      if (!child) tree.children.set(name, (child = { name, kind: frameKind(frame.url, frame.functionName), micros: 0, children: new Map() }));
      child.micros += weight;
      tree = child;
    }
  }
  return root;
}

/** Time spent in each frame itself (not its callees), largest first. */
export function selfTimes(tree: StackTree): { name: string; kind: FrameKind; micros: number }[] {
  const totals = new Map<string, { name: string; kind: FrameKind; micros: number }>();
  const visit = (node: StackTree): void => {
    let self = node.micros;
    for (const child of node.children.values()) {
      self -= child.micros;
      visit(child);
    }
    if (node === tree) return;
    const total = totals.get(node.name) ?? { name: node.name, kind: node.kind, micros: 0 };
    total.micros += self;
    totals.set(node.name, total);
  };
  visit(tree);
  return [...totals.values()].sort((a, b) => b.micros - a.micros);
}

/** Inclusive time of every frame whose name matches, counted once per stack (recursion is not double-counted). */
export function inclusiveTime(tree: StackTree, matches: (name: string) => boolean): number {
  let total = 0;
  const visit = (node: StackTree, inside: boolean): void => {
    const hit = !inside && matches(node.name);
    if (hit) total += node.micros;
    for (const child of node.children.values()) visit(child, inside || hit);
  };
  visit(tree, false);
  return total;
}

function frameName(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function frameKind(url: string, functionName: string): FrameKind {
  if (url.includes('/node_modules/')) return 'framework';
  if (url.includes('/dist/') || url.includes('/src/')) return 'service';
  if (url.startsWith('node:') || url.startsWith('internal/')) return 'node';
  return functionName.startsWith('(') || !url ? 'v8' : 'node';
}
