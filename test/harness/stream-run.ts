/**
 * A RunStream call as Grafana Live drives it: packets arrive until the plugin ends the stream or
 * Grafana cancels it (last subscriber left). Packets are queued so a test can pull them one by
 * one with a timeout, or iterate with for-await; cancel() ends iteration cleanly.
 */
import * as grpc from '@grpc/grpc-js';
import type { StreamPacket } from './wire';

export interface StreamEnd {
  code: number;
  details: string;
  /** true when the host cancelled it */
  cancelledByHost: boolean;
}

export class RunningStream implements AsyncIterable<StreamPacket> {
  /** every packet received so far, in order */
  readonly received: StreamPacket[] = [];
  readonly ended: Promise<StreamEnd>;
  private readIndex = 0;
  private waiters: Array<() => void> = [];
  private end: StreamEnd | undefined;
  private cancelled = false;

  constructor(private readonly call: grpc.ClientReadableStream<StreamPacket>) {
    call.on('data', (packet: StreamPacket) => {
      this.received.push(packet);
      this.wake();
    });
    this.ended = new Promise((resolve) => {
      call.on('status', (status: grpc.StatusObject) => {
        this.end = { code: status.code, details: status.details, cancelledByHost: this.cancelled };
        this.wake();
        resolve(this.end);
      });
    });
    // Errors are reported through `status`; a listener keeps the stream from throwing.
    call.on('error', () => undefined);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Next packet (timeoutMs may be Infinity); undefined once the stream ended normally or by cancel(). Rejects on a plugin error or timeout. */
  next(timeoutMs = 10_000): Promise<StreamPacket | undefined> {
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => reject(new Error(`no stream packet within ${timeoutMs} ms`)), timeoutMs)
        : undefined;
      const check = (): void => {
        if (this.readIndex < this.received.length) {
          clearTimeout(timer);
          resolve(this.received[this.readIndex++]);
        } else if (this.end) {
          clearTimeout(timer);
          if (this.end.code === grpc.status.OK || this.end.cancelledByHost) resolve(undefined);
          else reject(Object.assign(new Error(`RunStream failed: ${grpc.status[this.end.code]} ${this.end.details}`), this.end));
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  /** The next n packets (fails if the stream ends first). */
  async take(n: number, timeoutMs = 10_000): Promise<StreamPacket[]> {
    const packets: StreamPacket[] = [];
    while (packets.length < n) {
      const packet = await this.next(timeoutMs);
      if (!packet) throw new Error(`stream ended after ${packets.length} of ${n} packets`);
      packets.push(packet);
    }
    return packets;
  }

  /** What Grafana does when the last subscriber leaves. */
  cancel(): void {
    this.cancelled = true;
    this.call.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamPacket> {
    for (;;) {
      const packet = await this.next(Infinity);
      if (!packet) return;
      yield packet;
    }
  }
}
