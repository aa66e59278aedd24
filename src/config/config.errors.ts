/**
 * A config file that cannot be read, parsed or validated. Boot stops on it.
 * `problems` holds one line per bad key path; the message lists them all and never carries secret values.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: string[];

  constructor(message: string, problems: string[] = []) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message);
    this.problems = problems;
    // The operator needs the list of bad keys, not where in the loader it was noticed; a plain stack keeps
    // boot output readable even when something logs `err.stack`.
    this.stack = `${this.name}: ${this.message}`;
  }
}
