import { formatDuration, parseDuration } from './duration.ts';

/** Reads typed values out of environment variables, collecting every problem instead of stopping at the first. */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  string(name: string, fallback: string): string {
    const value = this.raw(name);
    return value ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(parsed >= min && parsed <= max)) return this.fail(name, value, `an integer from ${min} to ${max}`, fallback);
    return parsed;
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
    return match ?? this.fail(name, value, `one of ${allowed.join(', ')}`, fallback);
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    return this.fail(name, value, 'true or false', fallback);
  }

  duration(name: string, fallbackMs: number, minMs = 1): number {
    const value = this.raw(name);
    if (value === undefined) return fallbackMs;
    const parsed = parseDuration(value);
    if (parsed === undefined || parsed < minMs) {
      return this.fail(name, value, `a duration of at least ${formatDuration(minMs)} such as 90s, 720h or 1h30m`, fallbackMs);
    }
    return parsed;
  }

  list(name: string, fallback: readonly string[]): readonly string[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** Records a problem found by the caller's own check. */
  reject(name: string, value: string, allowed: string): void {
    this.problems.push(`${name}=${JSON.stringify(value)} is invalid: expected ${allowed}`);
  }

  /** Empty strings count as unset: Kubernetes manifests often template variables to "". */
  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  private fail<T>(name: string, value: string, allowed: string, fallback: T): T {
    this.reject(name, value, allowed);
    return fallback;
  }
}
