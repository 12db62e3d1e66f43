import http from 'node:http';
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import type { StreamingEvent } from '../../common/events/schema';

/**
 * Posts batches to the collector: keep-alive, optional gzip, and retries with backoff for what
 * a retry can fix (connection refused or reset, 429, 5xx, 503 while a collector drains), so no
 * event is lost to a restart. A 4xx other than 429 is the batch's own fault: reported, not retried.
 */

export interface SenderOptions {
  url: string;
  token: string;
  gzip: boolean;
  /** most batches on the wire at once */
  concurrency: number;
  /** give up on a batch after this long (it is then counted as failed) */
  retryForMs: number;
}

export interface BatchAnswer {
  accepted: number;
  rejected: number;
  duplicate: number;
  rejections: Array<{ index: number; field: string; reason: string }>;
}

export class SendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

export class Sender {
  private readonly endpoint: URL;
  private readonly agent: http.Agent;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: SenderOptions) {
    this.endpoint = new URL('/v1/events', options.url);
    const Agent = this.endpoint.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  }

  /** Sends one batch, retrying what can be retried; resolves with the collector's answer. */
  async send(events: readonly StreamingEvent[], onRetry?: (reason: string) => void): Promise<BatchAnswer> {
    await this.slot();
    try {
      const json = Buffer.from(JSON.stringify(events));
      const body = this.options.gzip ? gzipSync(json) : json;
      const deadline = Date.now() + this.options.retryForMs;
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.post(body);
        } catch (error) {
          const retryable = error instanceof SendError ? error.retryable : true;
          if (!retryable || Date.now() > deadline) throw error;
          onRetry?.((error as Error).message);
          // Exponential backoff with full jitter, at most 5 s between attempts.
          await sleep(Math.random() * Math.min(5000, 200 * 2 ** attempt));
        }
      }
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private async slot(): Promise<void> {
    while (this.inFlight >= this.options.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  private post(body: Buffer): Promise<BatchAnswer> {
    const client = this.endpoint.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(
        this.endpoint,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'Content-Type': 'application/json',
            ...(this.options.gzip ? { 'Content-Encoding': 'gzip' } : {}),
            'Content-Length': body.length,
            Authorization: `Bearer ${this.options.token}`,
          },
          timeout: 30_000,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => reject(new SendError(`reading the answer: ${error.message}`, true)));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = response.statusCode ?? 0;
            if (status === 200) {
              try {
                resolve(JSON.parse(text) as BatchAnswer);
              } catch {
                reject(new SendError(`the collector answered 200 with a body that is not JSON: ${text.slice(0, 200)}`, false));
              }
              return;
            }
            const retryable = status === 429 || status >= 500;
            reject(new SendError(`the collector answered ${status}: ${text.slice(0, 300)}`, retryable));
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('no answer within 30 s')));
      request.on('error', (error) => reject(new SendError(`${this.endpoint.origin}: ${error.message}`, true)));
      request.end(body);
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
