import type { FrameKind, StackTree } from './cpu-profile.ts';

export interface FlameGraphOptions {
  readonly title: string;
  readonly subtitle: string;
  readonly width?: number;
}

const ROW = 17;
const FONT = 11;
/** Roughly a character of 11 px sans-serif: labels are cut to what fits their box. */
const CHAR = 6.2;
/** Frames narrower than this many pixels are left out: unreadable, and they would bloat the file. */
const MIN_WIDTH = 0.6;
const HEADER = 52;
const LEGEND = 24;

/** Hues by owner, so the service's own code stands out from the framework's and Node's. */
const HUES: Readonly<Record<FrameKind, { hue: number; label: string }>> = {
  service: { hue: 28, label: 'sidecar-injector (dist/)' },
  framework: { hue: 210, label: 'dependencies (node_modules: Nest, Express, ...)' },
  node: { hue: 120, label: 'Node.js (http, tls, streams)' },
  v8: { hue: 0, label: 'V8 and native (GC, JSON, builtins)' },
};

/**
 * A flame graph as a standalone SVG: the root at the bottom, callees stacked above their
 * callers, each box as wide as the time spent in it and its callees. Hovering a box shows
 * its full name and share (an SVG <title>); the image reads without that too.
 */
export function renderFlameGraph(tree: StackTree, options: FlameGraphOptions): string {
  const width = options.width ?? 1200;
  const scale = (width - 20) / tree.micros;
  const depth = maxDepth(tree, scale);
  const graphHeight = (depth + 1) * ROW;
  const height = HEADER + graphHeight + LEGEND + 8;
  const boxes: string[] = [];
  const place = (node: StackTree, x: number, level: number): void => {
    const boxWidth = node.micros * scale;
    if (boxWidth < MIN_WIDTH) return;
    const y = HEADER + graphHeight - (level + 1) * ROW;
    const share = ((node.micros / tree.micros) * 100).toFixed(1);
    const label = fit(node.name, boxWidth);
    boxes.push(
      `<g><title>${escape(node.name)} — ${share}%</title><rect x="${x.toFixed(1)}" y="${y}" width="${boxWidth.toFixed(1)}" height="${ROW - 1}" fill="${colour(node)}" rx="1"/>` +
        (label ? `<text x="${(x + 3).toFixed(1)}" y="${y + ROW - 5}">${escape(label)}</text>` : '') +
        '</g>',
    );
    let childX = x;
    for (const child of [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      place(child, childX, level + 1);
      childX += child.micros * scale;
    }
  };
  place(tree, 10, 0);
  const legendY = HEADER + graphHeight + 16;
  const legend = Object.values(HUES).map(({ hue, label }, index) => {
    const x = 10 + index * 290;
    return `<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="hsl(${hue},70%,60%)"/><text x="${x + 17}" y="${legendY}">${escape(label)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Verdana, sans-serif" font-size="${FONT}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" font-size="15" text-anchor="middle">${escape(options.title)}</text>`,
    `<text x="${width / 2}" y="38" fill="#555" text-anchor="middle">${escape(options.subtitle)}</text>`,
    ...boxes,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}

function maxDepth(node: StackTree, scale: number, level = 0): number {
  let deepest = level;
  for (const child of node.children.values()) if (child.micros * scale >= MIN_WIDTH) deepest = Math.max(deepest, maxDepth(child, scale, level + 1));
  return deepest;
}

/** A stable colour per name within its owner's hue, so the same function looks the same in both graphs. */
function colour(node: StackTree): string {
  let hash = 0;
  for (let index = 0; index < node.name.length; index++) hash = (hash * 31 + node.name.charCodeAt(index)) | 0;
  const spread = Math.abs(hash);
  return `hsl(${HUES[node.kind].hue + (spread % 20) - 10},${55 + (spread % 25)}%,${58 + ((spread >> 5) % 14)}%)`;
}

function fit(name: string, boxWidth: number): string {
  const room = Math.floor((boxWidth - 6) / CHAR);
  if (room < 3) return '';
  return name.length <= room ? name : `${name.slice(0, room - 1)}…`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
