import { ClientIpPolicy, normalize } from './client-ip';

describe(ClientIpPolicy.name, () => {
  it('should admit exact addresses and CIDR ranges of both families, IPv4-mapped included', () => {
    const policy = new ClientIpPolicy({ allowed_ips: ['127.0.0.1', '10.1.0.0/16', '2001:db8::/32', '::1'] });
    expect(policy.isAllowed(policy.clientIp('127.0.0.1', undefined))).toBe(true);
    expect(policy.isAllowed(policy.clientIp('::ffff:127.0.0.1', undefined))).toBe(true);
    expect(policy.isAllowed(policy.clientIp('::ffff:10.1.200.3', undefined))).toBe(true);
    expect(policy.isAllowed(policy.clientIp('10.2.0.1', undefined))).toBe(false);
    expect(policy.isAllowed(policy.clientIp('2001:db8:ffff::1', undefined))).toBe(true);
    expect(policy.isAllowed(policy.clientIp('2001:db9::1', undefined))).toBe(false);
    expect(policy.isAllowed(policy.clientIp('::1', undefined))).toBe(true);
    expect(policy.isAllowed(null)).toBe(false);
  });

  it('should ignore X-Forwarded-For unless use_x_forwarded_for is on', () => {
    const policy = new ClientIpPolicy({ allowed_ips: ['203.0.113.7'] });
    expect(policy.clientIp('127.0.0.1', '203.0.113.7')).toBe('127.0.0.1');
  });

  it('should take the right-most untrusted hop, so a client cannot pick its address', () => {
    const policy = new ClientIpPolicy({ use_x_forwarded_for: true });
    // The client sent "X-Forwarded-For: 1.1.1.1"; the load balancer (10.0.0.5) appended the real peer.
    expect(policy.clientIp('10.0.0.5', '1.1.1.1, 198.51.100.20')).toBe('198.51.100.20');
    expect(policy.clientIp('10.0.0.5', ['198.51.100.20', '10.0.0.9'])).toBe('198.51.100.20');
    expect(policy.clientIp('10.0.0.5', '10.0.0.8, 10.0.0.9')).toBe('10.0.0.8');
    expect(policy.clientIp('10.0.0.5', 'not-an-ip')).toBe('10.0.0.5');
    // A peer that is not a trusted proxy is the client, whatever it claims.
    expect(policy.clientIp('198.51.100.99', '1.1.1.1')).toBe('198.51.100.99');
  });

  it('should trust only the configured proxies when trusted_proxies is set', () => {
    const policy = new ClientIpPolicy({ use_x_forwarded_for: true, trusted_proxies: ['192.0.2.1'] });
    expect(policy.clientIp('192.0.2.1', '10.0.0.7')).toBe('10.0.0.7');
    expect(policy.clientIp('10.0.0.5', '198.51.100.20')).toBe('10.0.0.5');
  });

  it('should normalise mapped, bracketed and zoned addresses', () => {
    expect(normalize('::FFFF:192.0.2.1')).toBe('192.0.2.1');
    expect(normalize('[2001:DB8::1]')).toBe('2001:db8::1');
    expect(normalize('fe80::1%eth0')).toBe('fe80::1');
  });
});
