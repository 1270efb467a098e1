// Calls socket-server with grpc-js and prints, per case, the status grpc-js reports:
// one JSON line {"case", "code", "details"} each. It asserts nothing itself: the Java test
// (GrpcErrorsDistributionTest) owns the expected statuses, so both clients are held to the
// same list.
//
// usage: node statuses.mjs <port> <api key> <proto dir>
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const [port, apiKey, protoDir] = process.argv.slice(2);
if (!port || !apiKey || !protoDir) {
  console.error('usage: node statuses.mjs <port> <api key> <proto dir>');
  process.exit(2);
}

const definition = protoLoader.loadSync(['notifications.proto', 'notificationspb.proto'], {
  includeDirs: [protoDir],
  keepCase: true,
  defaults: false,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(definition);
const address = `127.0.0.1:${port}`;
const credentials = grpc.credentials.createInsecure();
const api = new loaded.notifications.NotificationService(address, credentials);
const oldApi = new loaded.notificationspb.NotificationService(address, credentials);
const generic = new grpc.Client(address, credentials);

function metadata(key) {
  const m = new grpc.Metadata();
  if (key !== null) {
    m.set('authorization', `Bearer ${key}`);
  }
  return m;
}

function options() {
  return { deadline: Date.now() + 10_000 };
}

function outcome(name, invoke) {
  return new Promise((resolve) => {
    invoke((error) => {
      resolve({ case: name, code: error ? error.code : grpc.status.OK, details: error ? error.details : '' });
    });
  });
}

const unary = (client, method, request, key = apiKey) => (done) =>
  client[method](request, metadata(key), options(), done);

const cases = [
  ['ok', unary(api, 'Broadcast', { type: 'TYPE_INFO', entityId: 'grpc-js' })],
  ['privateNotify empty userId', unary(api, 'PrivateNotify', { userId: '' })],
  ['notifyRoom empty room', unary(api, 'NotifyRoom', { room: '' })],
  ['publish without target', unary(api, 'Publish', {})],
  ['old service privateNotify empty userId', unary(oldApi, 'PrivateNotify', { userId: '' })],
  ['broadcast without key', unary(api, 'Broadcast', {}, null)],
  ['broadcast with wrong key', unary(api, 'Broadcast', {}, 'not-the-key')],
  ['broadcast over MAX_PUBLISH_BYTES', unary(api, 'Broadcast', { entityId: 'x'.repeat(1 << 20) })],
  ['unknown method', (done) => generic.makeUnaryRequest(
    '/notifications.NotificationService/NoSuchMethod', (b) => b, (b) => b, Buffer.alloc(0),
    metadata(apiKey), options(), done)],
];

for (const [name, invoke] of cases) {
  console.log(JSON.stringify(await outcome(name, invoke)));
}
api.close();
oldApi.close();
generic.close();
