import { clipText } from './clip-text.ts';
import type { Container } from './kubernetes-types.ts';
import type { SidecarParts } from './sidecar-config.ts';

/**
 * The parser checks that mountPaths and variable names are unique as written; a template
 * that puts `{{ pod.name }}` or a parameter into one can still render two of them the same
 * for some pod ("/data/{{ pod.name }}" and "/data/web" for a pod named web), which the
 * apiserver would refuse. Run only for such templates (Sidecar.keysVaryByPod), on what
 * they rendered for this pod. (Container and volume names cannot hold placeholders: they
 * must be DNS labels as written.)
 */
export function findRenderedClash(parts: SidecarParts): string | undefined {
  const containers: readonly Container[] = [...parts.containers, ...parts.initContainers, ...parts.nativeSidecars];
  return (
    duplicate(
      parts.volumeMounts.map((mount) => mount.mountPath),
      'volume mounts at',
    ) ??
    duplicate(
      parts.env.map((variable) => variable.name),
      'environment variables named',
    ) ??
    containers.reduce<string | undefined>(
      (found, container) =>
        found ??
        duplicate(
          (container.env ?? []).map((variable) => variable.name),
          `environment variables in container "${container.name}" named`,
        ) ??
        duplicate(
          (container.volumeMounts ?? []).map((mount) => mount.mountPath),
          `volume mounts in container "${container.name}" at`,
        ),
      undefined,
    )
  );
}

function duplicate(values: readonly string[], what: string): string | undefined {
  const seen = new Set<string>();
  for (const value of values) {
    // Rendered from the pod, which the apiserver has not validated yet: its name may be megabytes long.
    if (seen.has(value)) return `renders two ${what} ${JSON.stringify(clipText(value, 64))} for this pod`;
    seen.add(value);
  }
  return undefined;
}
