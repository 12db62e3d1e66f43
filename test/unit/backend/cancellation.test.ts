import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { onClientCancel } from '../../../src/backend/grafana/services/cancellation';

/**
 * Against a real grpc-js server and client: what grpc-js does around a call's end is the point
 * (it emits 'cancelled' after answered calls too), so nothing here stands in for it.
 */

const identity = (bytes: Buffer) => bytes;
const SLOW = '/test.Cancel/Slow';
const QUICK = '/test.Cancel/Quick';

let server: grpc.Server;
let client: grpc.Client;
const seen: Array<{ method: string; cancelled: boolean; grpcSaidCancelled: boolean }> = [];

function handler(method: string, answerAfterMs: number): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    const record = { method, cancelled: false, grpcSaidCancelled: false };
    seen.push(record);
    call.on('cancelled', () => (record.grpcSaidCancelled = true));
    const answered = onClientCancel(call, () => (record.cancelled = true));
    setTimeout(() => {
      answered();
      callback(null, Buffer.from('done'));
    }, answerAfterMs).unref();
  };
}

before(async () => {
  server = new grpc.Server();
  const definition = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({
    path, requestStream: false, responseStream: false,
    requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
  });
  server.addService({ Slow: definition(SLOW), Quick: definition(QUICK) }, { Slow: handler('slow', 5_000), Quick: handler('quick', 0) });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

after(() => {
  client.close();
  server.forceShutdown();
});

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

test('a call the client cancels before its answer is cancelled', async () => {
  const call = client.makeUnaryRequest(SLOW, identity, identity, Buffer.from('x'), () => {});
  await until(() => seen.some((s) => s.method === 'slow'));
  call.cancel();
  await until(() => seen.find((s) => s.method === 'slow')!.cancelled);
  assert.equal(seen.find((s) => s.method === 'slow')!.cancelled, true);
});

test('an answered call is not cancelled, though grpc-js says "cancelled" after it', async () => {
  const answers = [];
  for (let i = 0; i < 20; i++) {
    answers.push(new Promise<Buffer>((resolve, reject) => client.makeUnaryRequest(QUICK, identity, identity, Buffer.from('x'), (e, r) => (e ? reject(e) : resolve(r!)))));
  }
  assert.deepEqual((await Promise.all(answers)).map(String), Array(20).fill('done'));
  const quick = () => seen.filter((s) => s.method === 'quick');
  await until(() => quick().length === 20 && quick().every((s) => s.grpcSaidCancelled));
  // What makes the guard needed; without it the next assertion would prove nothing.
  assert.ok(quick().every((s) => s.grpcSaidCancelled), 'grpc-js emitted cancelled after every answered call');
  assert.deepEqual(quick().map((s) => s.cancelled), Array(20).fill(false));
});

test('the guard works on any emitter: cancel before answered() runs, after it does not', () => {
  let cancels = 0;
  const early = new EventEmitter();
  onClientCancel(early, () => cancels++);
  early.emit('cancelled');
  const late = new EventEmitter();
  onClientCancel(late, () => cancels++)();
  late.emit('cancelled');
  assert.equal(cancels, 1);
});
