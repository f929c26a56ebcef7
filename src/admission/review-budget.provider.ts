import { Logger, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { containerMemoryLimit } from '../memory/container-memory.ts';
import { MemoryBudget } from '../memory/memory-budget.ts';
import { currentMemoryFigures, reviewMemoryBudget } from './review-memory.ts';

/** Dependency-injection token of the MemoryBudget that reviews in flight draw on. */
export const REVIEW_BUDGET = Symbol('ReviewBudget');

/**
 * A review that does not fit waits at most this share of the apiserver's webhook timeout
 * for room, then gets a 429: an answer the apiserver can still act on.
 */
const WAIT_SHARE_OF_WEBHOOK_TIMEOUT = 0.25;

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

export const reviewBudgetProvider: Provider = {
  provide: REVIEW_BUDGET,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig): MemoryBudget => {
    const figures = currentMemoryFigures(containerMemoryLimit());
    const budget = new MemoryBudget(reviewMemoryBudget(figures), config.webhook.timeoutSeconds * 1000 * WAIT_SHARE_OF_WEBHOOK_TIMEOUT);
    new Logger('Admission').log({
      msg: 'memory budget for reviews in flight',
      budgetMiB: mib(budget.capacity),
      containerLimitMiB: figures.containerLimit === undefined ? null : mib(figures.containerLimit),
      heapLimitMiB: mib(figures.heapLimit),
      rssMiB: mib(figures.rss),
    });
    return budget;
  },
};
