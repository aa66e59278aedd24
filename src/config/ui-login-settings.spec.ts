import { readUiLoginSettings } from './ui-login-settings';

describe('readUiLoginSettings', () => {
  it("should default to LiteLLM's admin / master key and 30 minutes idle, 12 hours at most", () => {
    const problems: string[] = [];
    expect(readUiLoginSettings({}, {}, 'sk-master', problems)).toEqual({ username: 'admin', password: 'sk-master', idleTimeoutMs: 1_800_000, maxAgeMs: 43_200_000 });
    expect(problems).toEqual([]);
  });

  it('should take UI_USERNAME / UI_PASSWORD over the master key, and durations as text or seconds', () => {
    const problems: string[] = [];
    const settings = readUiLoginSettings({ ui_session_idle_timeout: '5m', ui_session_max_age: 7200 }, { UI_USERNAME: 'ops', UI_PASSWORD: 'pw' }, 'sk-master', problems);
    expect(settings).toEqual({ username: 'ops', password: 'pw', idleTimeoutMs: 300_000, maxAgeMs: 7_200_000 });
    expect(problems).toEqual([]);
  });

  it('should leave the UI admin without a password when there is neither UI_PASSWORD nor a master key', () => {
    expect(readUiLoginSettings({}, {}, undefined, []).password).toBeUndefined();
  });

  it('should name a bad duration', () => {
    const problems: string[] = [];
    readUiLoginSettings({ ui_session_idle_timeout: 'soon' }, {}, undefined, problems);
    expect(problems).toEqual(['general_settings.ui_session_idle_timeout: must be a positive duration such as 30m or 12h, or a number of seconds']);
  });
});
