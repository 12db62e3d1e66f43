/** Per-query limits and rate limits (see docs/security.md). */
export { checkRange, QueryBudget } from './checks';
export { formatCount, LimitError, type LimitKind } from './errors';
export { QueryGuard } from './guard';
export { limitedSource } from './limited-source';
export { DEFAULT_LIMITS, limitsFromJsonData, parseDataSourceOptions, queryLimits, scrapeMsFromJsonData, type BucketConfig, type QueryLimits } from './options';
export { RateLimiter, type Caller } from './rate-limiter';
export { fitAnswers, type Refusal, type SizedAnswer } from './response-size';
export { TokenBucket } from './token-bucket';
