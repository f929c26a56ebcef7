import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Subject } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { FileWatcher } from '../common/file-watcher.ts';
import { parseSidecarConfig } from '../injection/sidecar-config-parser.ts';
import type { SidecarConfig } from '../injection/sidecar-config.ts';

export type SidecarConfigEvent = { readonly outcome: 'loaded'; readonly generation: number; readonly hash: string } | { readonly outcome: 'rejected'; readonly error: string };

/**
 * Holds the operator's sidecar templates. The file is read and validated once at start
 * (an invalid file stops the process); later changes are reloaded, and an invalid
 * version is logged and rejected while the last good one keeps serving.
 */
@Injectable()
export class SidecarConfigService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SidecarConfigService.name);
  private readonly path: string;
  private config: SidecarConfig | undefined;
  private watcher: FileWatcher | undefined;
  private generationCount = 0;
  private lastErrorText: string | undefined;
  readonly events$ = new Subject<SidecarConfigEvent>();

  constructor(@Inject(APP_CONFIG) appConfig: AppConfig) {
    this.path = appConfig.sidecarConfigPath;
  }

  onModuleInit(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read SIDECAR_CONFIG ${this.path}: ${(error as Error).message}`);
    }
    this.accept(parseSidecarConfig(text, this.path));
    this.watcher = new FileWatcher([this.path], () => void this.reload());
  }

  onModuleDestroy(): void {
    this.watcher?.close();
    this.events$.complete();
  }

  /** The current templates. Throws only if called before the module initialised. */
  current(): SidecarConfig {
    if (!this.config) throw new Error('sidecar config used before it was loaded');
    return this.config;
  }

  get generation(): number {
    return this.generationCount;
  }

  /** Why the newest version on disk is not the one serving, if it is not. */
  get lastError(): string | undefined {
    return this.lastErrorText;
  }

  /** Re-reads the file; returns whether the new version was accepted. */
  async reload(): Promise<boolean> {
    try {
      const text = await readFile(this.path, 'utf8');
      const next = parseSidecarConfig(text, this.path);
      if (next.hash === this.config?.hash) {
        this.lastErrorText = undefined;
        return true;
      }
      this.accept(next);
      return true;
    } catch (error) {
      this.lastErrorText = (error as Error).message;
      this.logger.error({ msg: 'sidecar config change rejected; still serving the previous version', error: this.lastErrorText, generation: this.generationCount });
      this.events$.next({ outcome: 'rejected', error: this.lastErrorText });
      return false;
    }
  }

  private accept(config: SidecarConfig): void {
    this.config = config;
    this.generationCount += 1;
    this.lastErrorText = undefined;
    for (const warning of config.warnings) this.logger.warn({ msg: 'sidecar config warning', warning });
    this.logger.log({ msg: 'sidecar config loaded', path: this.path, generation: this.generationCount, hash: config.hash, sidecars: [...config.sidecars.keys()], defaults: config.defaults });
    this.events$.next({ outcome: 'loaded', generation: this.generationCount, hash: config.hash });
  }
}
