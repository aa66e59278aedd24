import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Agent } from 'undici';
import { EgressPolicy, EgressRefusedError, egressRefusalOf, type AddressResolver } from './egress-policy';

describe('EgressPolicy.refusalFor', () => {
  const byDefault = new EgressPolicy();

  it.each([
    ['169.254.169.254', ['169.254.169.254']],
    ['[fd00:ec2::254]', ['fd00:ec2::254']],
    ['::ffff:169.254.169.254', ['::ffff:169.254.169.254']],
    ['::ffff:a9fe:a9fe', ['::ffff:a9fe:a9fe']],
    ['100.100.100.200', ['100.100.100.200']],
    ['169.254.170.2', ['169.254.170.2']],
    ['metadata.google.internal', ['169.254.169.254']],
    ['Metadata.Google.Internal.', ['10.0.0.1']],
    ['innocent.example', ['198.51.100.1', '169.254.169.254']],
  ])('should refuse the cloud metadata endpoint %s by default', (host, addresses) => {
    expect(byDefault.refusalFor(host, addresses)).toMatch(/cloud metadata (address|host)/);
  });

  it.each([
    ['127.0.0.1', ['127.0.0.1']],
    ['localhost', ['127.0.0.1', '::1']],
    ['10.1.2.3', ['10.1.2.3']],
    ['api.openai.com', ['162.159.140.245']],
    ['169.254.1.1', ['169.254.1.1']],
  ])('should allow %s by default (operators run local models)', (host, addresses) => {
    expect(byDefault.refusalFor(host, addresses)).toBeNull();
  });

  it('should allow metadata only when allow_metadata is set', () => {
    expect(new EgressPolicy({ allow_metadata: true }).refusalFor('169.254.169.254', ['169.254.169.254'])).toBeNull();
  });

  it('should refuse what deny lists, by name, wildcard, address or CIDR, even when allow lists it', () => {
    const policy = new EgressPolicy({ deny: ['internal.example', '*.corp.example', '192.168.0.0/16', '::1'], allow: ['internal.example', '192.168.1.0/24'] });
    expect(policy.refusalFor('internal.example', ['198.51.100.1'])).toMatch(/listed in egress_policy.deny/);
    expect(policy.refusalFor('db.corp.example', ['198.51.100.1'])).toMatch(/listed in egress_policy.deny/);
    expect(policy.refusalFor('192.168.1.5', ['192.168.1.5'])).toMatch(/in egress_policy.deny/);
    expect(policy.refusalFor('rebind.example', ['192.168.1.5'])).toBe('rebind.example resolves to 192.168.1.5, which is in egress_policy.deny');
    expect(policy.refusalFor('localhost', ['::1'])).toMatch(/in egress_policy.deny/);
  });

  it('should, with an allow list, refuse everything it does not list', () => {
    const policy = new EgressPolicy({ allow: ['api.openai.com', '*.openai.azure.com', '127.0.0.1', '10.0.0.0/8'] });
    expect(policy.refusalFor('api.openai.com', ['162.159.140.245'])).toBeNull();
    expect(policy.refusalFor('mine.openai.azure.com', ['20.1.1.1'])).toBeNull();
    expect(policy.refusalFor('127.0.0.1', ['127.0.0.1'])).toBeNull();
    expect(policy.refusalFor('gpu-box.lan', ['10.3.4.5'])).toBeNull();
    expect(policy.refusalFor('openai.azure.com', ['20.1.1.1'])).toMatch(/not in egress_policy.allow/);
    expect(policy.refusalFor('evil.example', ['203.0.113.9'])).toBe('evil.example (203.0.113.9) is not in egress_policy.allow');
    expect(policy.refusalFor('half.example', ['10.0.0.1', '203.0.113.9'])).toMatch(/not in egress_policy.allow/);
    expect(policy.refusalFor('127.0.0.2', ['127.0.0.2'])).toMatch(/not in egress_policy.allow/);
    // An allowed name still never reaches metadata.
    expect(policy.refusalFor('api.openai.com', ['169.254.169.254'])).toMatch(/cloud metadata address/);
  });
});

describe('EgressPolicy.connector (at the dial)', () => {
  let canary: Server;
  let port: number;
  let connections = 0;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    canary = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    port = (canary.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => canary.close(resolve));
  });

  async function get(policy: EgressPolicy, host: string, resolve?: AddressResolver): Promise<number | EgressRefusedError | undefined> {
    const agent = new Agent({ connect: policy.connector({ timeoutMs: 2_000, publicOnly: false, resolve }) });
    try {
      const response = await agent.request({ origin: `http://${host}:${port}`, path: '/', method: 'GET' });
      await response.body.dump();
      return response.statusCode;
    } catch (error) {
      return egressRefusalOf(error);
    } finally {
      await agent.close();
    }
  }

  it('should connect where the policy allows, and refuse IP literals and resolved names it does not, without a connection', async () => {
    expect(await get(new EgressPolicy(), '127.0.0.1')).toBe(200);
    const before = connections;
    const denyLoopback = new EgressPolicy({ deny: ['127.0.0.0/8'] });
    expect(await get(denyLoopback, '127.0.0.1')).toBeInstanceOf(EgressRefusedError);
    expect(await get(denyLoopback, 'canary.test', (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]))).toBeInstanceOf(EgressRefusedError);
    expect(connections).toBe(before);
  });

  it('should check the addresses of each dial, so a name re-pointed at metadata after a first good answer (DNS rebinding) is refused', async () => {
    const answers = ['127.0.0.1', '169.254.169.254'];
    const rebinding: AddressResolver = (_host, _options, callback) => callback(null, [{ address: answers.shift() ?? '169.254.169.254', family: 4 }]);
    const policy = new EgressPolicy();
    expect(await get(policy, 'rebind.test', rebinding)).toBe(200);
    const refused = await get(policy, 'rebind.test', rebinding);
    expect(refused).toBeInstanceOf(EgressRefusedError);
    expect((refused as EgressRefusedError).reason).toBe('rebind.test resolves to 169.254.169.254, which is a cloud metadata address (egress_policy.allow_metadata is off)');
  });

  it('should refuse loopback and private addresses too for request-chosen bases (publicOnly)', async () => {
    const agent = new Agent({ connect: new EgressPolicy().connector({ timeoutMs: 2_000, publicOnly: true }) });
    const before = connections;
    try {
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::ffff:127.0.0.1]:${port}`]) {
        const error = await agent.request({ origin, path: '/', method: 'GET' }).then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(egressRefusalOf(error)).toBeInstanceOf(EgressRefusedError);
      }
    } finally {
      await agent.close();
    }
    expect(connections).toBe(before);
  });
});
