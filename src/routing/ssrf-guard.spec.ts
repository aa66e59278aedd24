import { assertSafeUrl, forbiddenAddressReason, type HostResolver } from './ssrf-guard';

/** Never touches DNS: names map to what an attacker's zone would answer. */
const stubResolver: HostResolver = async (hostname) => {
  const zone: Record<string, string[]> = {
    'api.openai.example': ['203.0.113.10'],
    'metadata.google.internal': ['169.254.169.254'],
    'rebind.attacker.example': ['203.0.113.20', '10.0.0.5'],
    'v6-internal.attacker.example': ['fd12:3456::1'],
    'mapped.attacker.example': ['::ffff:127.0.0.1'],
    'public-v6.example': ['2001:4860:4860::8888'],
  };
  const answer = zone[hostname];
  if (!answer) throw new Error('ENOTFOUND');
  return answer;
};

describe(assertSafeUrl.name, () => {
  it.each([
    'http://127.0.0.1/v1',
    'http://2130706433/v1',
    'http://0177.0.0.1/v1',
    'http://0x7f.1/v1',
    'http://127.1/v1',
    'http://0.0.0.0:8080/',
    'http://10.1.2.3/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[2002:7f00:1::]/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://rebind.attacker.example/',
    'http://v6-internal.attacker.example/',
    'http://mapped.attacker.example/',
    'http://does-not-resolve.example/',
    'file:///etc/passwd',
    'gopher://203.0.113.10/',
    'http://user:pass@api.openai.example/',
    'not a url',
  ])('should refuse %s', async (url) => {
    await expect(assertSafeUrl(url, stubResolver)).rejects.toThrow(/^Rejected Request: the URL is not allowed/);
  });

  it.each(['https://api.openai.example/v1', 'http://203.0.113.10:8080/v1', 'https://public-v6.example/', 'https://[2001:4860:4860::8888]/'])('should allow %s', async (url) => {
    await expect(assertSafeUrl(url, stubResolver)).resolves.toBeInstanceOf(URL);
  });
});

describe(forbiddenAddressReason.name, () => {
  it('should tell public from internal addresses of both families', () => {
    expect(forbiddenAddressReason('8.8.8.8')).toBeNull();
    expect(forbiddenAddressReason('2606:4700::1111')).toBeNull();
    expect(forbiddenAddressReason('172.31.255.255')).not.toBeNull();
    expect(forbiddenAddressReason('172.32.0.1')).toBeNull();
    expect(forbiddenAddressReason('::ffff:8.8.8.8')).toBeNull();
  });
});
